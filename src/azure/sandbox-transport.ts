// The in-process transport: the real SDK clients, with their real URLs and pipelines (bearer auth over https, Key
// Vault's challenge, retries, pollers), answered by an in-process service (the sandbox) instead of the network. The
// service is structural, `{ handle(request) }`: src/azure never loads the simulator; the CLI hands it in.
import { Readable } from "node:stream";
import {
  createHttpHeaders,
  RestError,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";

/** A request as the in-process service sees it: the real Azure URL, lower-case header names, the body as text. */
export interface InProcessRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface InProcessResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** Anything that answers requests the way Azure would; the sandbox's handler is one. */
export interface InProcessService {
  handle(request: InProcessRequest): Promise<InProcessResponse>;
}

/**
 * A service that cannot answer at all (a host that no longer resolves, a dropped connection) throws an error carrying
 * a Node system error code, as `getaddrinfo ENOTFOUND <host>` does on the wire.
 */
function systemErrorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** core-rest-pipeline's own clients throw an Error named "AbortError"; the SDK's pollers and retries look for that name. */
class AbortError extends Error {
  override readonly name = "AbortError";
}

async function streamToString(stream: NodeJS.ReadableStream | ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  const iterable =
    "getReader" in stream ? Readable.fromWeb(stream as import("node:stream/web").ReadableStream<Uint8Array>) : stream;
  for await (const chunk of iterable as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The request body as text, whatever form the pipeline left it in. */
async function bodyText(request: PipelineRequest): Promise<string | undefined> {
  if (request.multipartBody)
    throw new RestError("The sandbox transport does not send multipart bodies.", {
      code: RestError.REQUEST_SEND_ERROR,
      request,
    });
  if (request.formData) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(request.formData)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== "string") {
          throw new RestError("The sandbox transport sends url-encoded form fields only.", {
            code: RestError.REQUEST_SEND_ERROR,
            request,
          });
        }
        form.append(name, item);
      }
    }
    return form.toString();
  }
  const body = request.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (typeof body === "function") return streamToString(body());
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString("utf8");
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  if (typeof Blob !== "undefined" && body instanceof Blob) return body.text();
  if (typeof (body as NodeJS.ReadableStream).pipe === "function" || "getReader" in (body as object)) {
    return streamToString(body as NodeJS.ReadableStream);
  }
  throw new RestError("Unrecognized body type", { code: RestError.REQUEST_SEND_ERROR, request });
}

function abortable<T>(work: Promise<T>, signal: PipelineRequest["abortSignal"]): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new AbortError("The operation was aborted."));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError("The operation was aborted."));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** An `HttpClient` for the SDK clients' `httpClient` option that answers from `service`. */
export function createSandboxHttpClient(service: InProcessService): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      if (request.abortSignal?.aborted) throw new AbortError("The operation was aborted.");
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
      const body = await bodyText(request);
      let answer;
      try {
        answer = await abortable(
          service.handle({
            method: request.method,
            url: request.url,
            headers,
            ...(body !== undefined ? { body } : {}),
          }),
          request.abortSignal,
        );
      } catch (error) {
        if (error instanceof AbortError) throw error;
        const code = systemErrorCode(error);
        if (code) {
          // As the node client surfaces a DNS failure: the system error's message and code.
          throw new RestError((error as Error).message, { code, request });
        }
        throw new RestError(error instanceof Error ? error.message : String(error), {
          code: RestError.REQUEST_SEND_ERROR,
          request,
        });
      }
      const response: PipelineResponse = {
        request,
        status: answer.status,
        headers: createHttpHeaders(answer.headers),
      };
      const text = answer.body ?? "";
      const wantsStream =
        request.streamResponseStatusCodes?.has(answer.status) ||
        request.streamResponseStatusCodes?.has(Number.POSITIVE_INFINITY);
      if (wantsStream) response.readableStreamBody = Readable.from([Buffer.from(text, "utf8")]);
      else response.bodyAsText = text;
      return response;
    },
  };
}
