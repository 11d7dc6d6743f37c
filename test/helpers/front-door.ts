import { request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { runCli, type CliResult } from "./cli.js";
import { freePort } from "./apps.js";
import { caddyBinary } from "./tools.js";

export interface Answer {
  status: number;
  body: string;
  /** The body as received, for binary answers. */
  bytes: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One request to the front door as a browser for `host` would make it: HTTPS verified against the given CA
 * (Caddy's local root; never -k), or plain HTTP. Always to 127.0.0.1.
 */
export function frontRequest(options: {
  host: string;
  port: number;
  path: string;
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  ca?: string;
  timeoutMs?: number;
}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const common = {
      host: "127.0.0.1",
      port: options.port,
      path: options.path,
      method: options.method ?? "GET",
      agent: false as const,
      headers: {
        Host: `${options.host}:${options.port}`,
        ...(options.body === undefined
          ? {}
          : { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(options.body) }),
        ...options.headers,
      },
      timeout: options.timeoutMs ?? 30_000,
    };
    const onResponse = (res: import("node:http").IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: bytes.toString(), bytes, headers: res.headers });
      });
      res.on("error", reject);
    };
    const req =
      options.ca === undefined
        ? httpRequest(common, onResponse)
        : httpsRequest({ ...common, servername: options.host, ca: options.ca }, onResponse);
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * `hostctl init` with the front door on free loopback ports, TLS from Caddy's local CA, the test's Caddy
 * binary and internal ports below the ephemeral range. Returns init's result and the two ports.
 */
export async function initWithFrontDoor(
  home: string,
  extra: string[],
  env: Record<string, string> = {},
): Promise<{ init: CliResult; http: number; https: number }> {
  const http = await freePort();
  const https = await freePort();
  const init = await runCli(
    home,
    [
      "init",
      ...extra,
      "--tls",
      "internal",
      "--http-port",
      String(http),
      "--https-port",
      String(https),
      "--proxy-bind",
      "127.0.0.1",
    ],
    { env },
  );
  if (init.exitCode === 0) {
    const file = join(home, "hostctl.yml");
    const doc = parseDocument(await readFile(file, "utf8"));
    doc.setIn(["proxy", "caddy"], caddyBinary());
    doc.setIn(["proxy", "graceful_timeout"], "10s");
    await writeFile(file, doc.toString());
  }
  return { init, http, https };
}

/** Caddy's local root certificate, in the host's Caddy storage. */
export function caddyRoot(home: string): Promise<string> {
  return readFile(join(home, "caddy", "pki", "authorities", "local", "root.crt"), "utf8");
}

export interface LoadResult {
  requests: number;
  failures: string[];
  /** Bodies of the writes the app acknowledged (201). */
  acknowledged: string[];
}

/**
 * A bounded loopback load: `clients` loops of GET / and POST /rows through the front door until stop() (or
 * `maxRequests` in all). Any status but 2xx, or any network error, is a failed request.
 */
export function startLoad(
  target: { host: string; port: number; ca: string },
  clients = 4,
  maxRequests = 20_000,
): { stop: () => Promise<LoadResult> } {
  let running = true;
  const result: LoadResult = { requests: 0, failures: [], acknowledged: [] };
  const loop = async (client: number) => {
    for (let i = 0; running && result.requests < maxRequests; i++) {
      result.requests += 1;
      const write = i % 2 === 1;
      const body = `c${client}-${i}`;
      try {
        const answer = await frontRequest({
          ...target,
          path: write ? "/rows" : "/",
          ...(write ? { method: "POST", body } : {}),
        });
        if (answer.status < 200 || answer.status >= 300)
          result.failures.push(`${write ? "POST" : "GET"} ${answer.status} ${answer.body.slice(0, 120)}`);
        else if (write) result.acknowledged.push(body);
      } catch (error) {
        result.failures.push(`${write ? "POST" : "GET"} ${(error as Error).message}`);
      }
    }
  };
  const loops = Array.from({ length: clients }, (_, c) => loop(c));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
