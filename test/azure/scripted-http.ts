// The real SDK clients over a scripted HttpClient: routes answer what a test expects Azure to say, and every request
// is recorded as sent. For what the port puts on the wire and how it reads Azure's answers, without the sandbox.
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { expect } from "vitest";
import { createCmkAzure, type ResponseRecord } from "../../src/azure/cmk-azure.js";
import { createSandboxCredential } from "../../src/azure/credentials.js";
import { AzureFailure, type CmkAzure } from "../../src/azure/types.js";

export const SUB = "00000000-1111-2222-3333-444444444444";
export const TENANT = "99999999-8888-7777-6666-555555555555";

/** A JSON `body`, or `text` for what is not JSON (a gateway's HTML page). */
export interface Answer {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** Answers a request (its JSON body parsed), or passes it to the next route. */
export type Route = (request: PipelineRequest, body: unknown) => Answer | undefined;

export interface Sent {
  method: string;
  url: string;
  body: unknown;
  authorization: string | undefined;
}

export function scriptedClient(routes: Route[]): { client: HttpClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const body = typeof request.body === "string" && request.body ? JSON.parse(request.body) : undefined;
      sent.push({
        method: request.method,
        url: request.url,
        body,
        authorization: request.headers.get("authorization"),
      });
      const answer = routes.map((route) => route(request, body)).find((a) => a !== undefined) ?? {
        status: 500,
        body: { error: { code: "NoRoute", message: `${request.method} ${request.url}` } },
      };
      const bodyAsText = answer.text ?? (answer.body === undefined ? undefined : JSON.stringify(answer.body));
      return {
        request,
        status: answer.status,
        headers: createHttpHeaders({
          "content-type": answer.text === undefined ? "application/json" : "text/html",
          "x-ms-request-id": "req-1",
          ...answer.headers,
        }),
        ...(bodyAsText === undefined ? {} : { bodyAsText }),
      };
    },
  };
  return { client, sent };
}

/** The port over the scripted client, without retries, and what it sent. */
export function scriptedPort(
  routes: Route[],
  onResponse?: (record: ResponseRecord) => void,
): { azure: CmkAzure; sent: Sent[] } {
  const { client, sent } = scriptedClient(routes);
  const azure = createCmkAzure({
    subscriptionId: SUB,
    credential: createSandboxCredential(),
    httpClient: client,
    updateIntervalInMs: 0,
    retryOptions: { maxRetries: 0 },
    ...(onResponse ? { onResponse } : {}),
  });
  return { azure, sent };
}

/** The AzureFailure a port call ends with; fails the test when the call succeeds or throws anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<AzureFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AzureFailure);
  return error as AzureFailure;
}
