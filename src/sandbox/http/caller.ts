// Who sent a request, as the Activity Log and the audit events name them: the user principal name of a user token,
// the app id of a service principal's, and the sandbox operator for the opaque in-process token; and with what
// client (the User-Agent header).
import { clientFromUserAgent, DEFAULT_ACTOR, type ChangeCaller } from "../change-log.js";

function tokenClaims(authorization: string | undefined): Record<string, unknown> | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function requestCaller(headers: Record<string, string>, requestId: string): ChangeCaller {
  const claims = tokenClaims(headers.authorization);
  const named = [claims?.upn, claims?.unique_name, claims?.preferred_username, claims?.appid].find(
    (v): v is string => typeof v === "string" && v.length > 0,
  );
  const userAgent = headers["user-agent"];
  return {
    actor: named ?? DEFAULT_ACTOR,
    client: clientFromUserAgent(userAgent),
    ...(userAgent ? { userAgent } : {}),
    requestId,
  };
}
