import { request } from "node:http";
import { HostctlError } from "../lib/errors.js";

export interface AdminAnswer {
  status: number;
  text: string;
}

// Caddy checks Host against its allowed origins, which for a Unix socket is the empty string,
// so no Host is derived from the socket path.
export function caddyAdmin(
  socket: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath: socket,
        method,
        path,
        setHost: false,
        // Caddy replaces its admin server on every load, which can cut a kept-alive
        // connection under the next request (EPIPE, ECONNRESET).
        agent: false,
        timeout: timeoutMs,
        headers: {
          Host: "",
          ...(payload === undefined
            ? {}
            : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`Caddy's admin API did not answer ${method} ${path} within ${timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** One call for the whole config; Caddy keeps its listeners and lets in-flight requests finish. */
export async function loadCaddyConfig(socket: string, config: unknown): Promise<void> {
  const answer = await caddyAdmin(socket, "POST", "/load", config);
  if (answer.status >= 300) {
    throw new HostctlError(
      "PROXY_CONFIG_REJECTED",
      `Caddy refused the config (${answer.status}): ${answer.text.trim()}`,
      {
        hint: "run: hostctl logs --process caddy; hostctl doctor",
      },
    );
  }
}

/** Whether Caddy's admin API answers on the socket. */
export async function caddyAnswers(socket: string): Promise<boolean> {
  try {
    return (await caddyAdmin(socket, "GET", "/config/admin", undefined, 2000)).status === 200;
  } catch {
    return false;
  }
}
