import { request } from "node:http";
import type { HostPaths } from "../config/paths.js";
import { HostctlError } from "../lib/errors.js";

export interface ControlResponse<T> {
  status: number;
  body: T;
}

/**
 * Talks to a running `hostctl up` over run/hostctl.sock (JSON over HTTP on a Unix socket).
 * Resolves undefined when no supervisor listens there.
 */
export function controlRequest<T>(paths: HostPaths, method: "GET" | "POST", path: string, body?: unknown, timeoutMs = 120_000): Promise<ControlResponse<T> | undefined> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath: paths.socket, method, path, timeout: timeoutMs, headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        try {
          resolve({ status: res.statusCode ?? 0, body: (text === "" ? {} : JSON.parse(text)) as T });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text as T });
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from the supervisor within ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") resolve(undefined);
      else reject(new HostctlError("SUPERVISOR_NOT_RUNNING", `cannot talk to the supervisor at ${paths.socket}: ${error.message}`, { cause: error }));
    });
    if (payload) req.write(payload);
    req.end();
  });
}
