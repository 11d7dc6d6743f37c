import { existsSync } from "node:fs";
import type { HostPaths } from "../config/paths.js";
import { HostctlError } from "../lib/errors.js";
import { controlApi, controlErrorSchema, type RequestOf, type ResponseOf, type RouteName } from "./control-protocol.js";

export interface ControlResponse<T> {
  status: number;
  body: T;
}

/** A parsed answer: the route's response, or the supervisor's error (status 4xx/5xx). */
export type ControlAnswer<T> =
  { ok: true; status: number; body: T } | { ok: false; status: number; error: string; code: string | undefined };

function isBusy(status: number | undefined, body: unknown): body is { error: string } {
  const parsed = controlErrorSchema.safeParse(body);
  return status === 503 && parsed.success && parsed.data.code === "SUPERVISOR_BUSY";
}

function busyError(paths: HostPaths, why: string, cause?: unknown): HostctlError {
  return new HostctlError("SUPERVISOR_BUSY", `supervisor busy at ${paths.socket}: ${why}`, {
    hint: "try again in a few seconds; if it stays busy, see what holds its control socket: ss -xp | grep hostctl.sock",
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Resolves undefined when no supervisor listens on run/hostctl.sock. */
export async function controlRequest(
  paths: HostPaths,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  timeoutMs = 120_000,
): Promise<ControlResponse<unknown> | undefined> {
  // No socket, no supervisor: answered without loading node:http (ms off every short command).
  if (!existsSync(paths.socket)) return undefined;
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath: paths.socket,
        method,
        path,
        timeout: timeoutMs,
        headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = text === "" ? {} : (JSON.parse(text) as unknown);
          } catch {
            // Not JSON: passed on as text.
          }
          if (isBusy(res.statusCode, parsed)) reject(busyError(paths, parsed.error));
          else resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from the supervisor within ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") resolve(undefined);
      // Accepted and closed unanswered: out of connections or descriptors, not gone.
      else if (error.code === "ECONNRESET" || error.code === "EPIPE")
        reject(busyError(paths, `it closed the connection without answering (${error.code})`, error));
      else
        reject(
          new HostctlError(
            "SUPERVISOR_NOT_RUNNING",
            `cannot talk to the supervisor at ${paths.socket}: ${error.message}`,
            {
              cause: error,
            },
          ),
        );
    });
    if (payload) req.write(payload);
    req.end();
  });
}

// Undefined when no supervisor listens; an answer that does not fit the route's schema is an
// error naming the route.
export async function callControl<R extends RouteName>(
  paths: HostPaths,
  route: R,
  options: { name?: string; body?: RequestOf<R>; timeoutMs?: number } = {},
): Promise<ControlAnswer<ResponseOf<R>> | undefined> {
  const { method, path, response } = controlApi[route];
  const url = path.replace(":name", encodeURIComponent(options.name ?? ""));
  const answer = await controlRequest(paths, method, url, options.body, options.timeoutMs);
  if (answer === undefined) return undefined;
  if (answer.status >= 400) {
    const error = controlErrorSchema.safeParse(answer.body);
    return {
      ok: false,
      status: answer.status,
      error: error.success ? error.data.error : `supervisor answered ${answer.status}: ${String(answer.body)}`,
      code: error.success ? error.data.code : undefined,
    };
  }
  const parsed = response.safeParse(answer.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HostctlError(
      "SUPERVISOR_REFUSED",
      `${method} ${url}: the supervisor's answer does not match this hostctl (${issue ? `${issue.path.join(".")}: ${issue.message}` : "unexpected shape"})`,
      { hint: "restart the supervisor after an upgrade: systemctl restart hostctl" },
    );
  }
  return { ok: true, status: answer.status, body: parsed.data as ResponseOf<R> };
}
