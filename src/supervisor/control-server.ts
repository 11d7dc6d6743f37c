import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { chmod, rm } from "node:fs/promises";
import { errorMessage, HostctlError } from "../lib/errors.js";

export type Route = (params: Record<string, string>, body: unknown) => Promise<{ status?: number; body: unknown; text?: string }>;

interface RouteEntry {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Route;
}

/** A tiny router for the control API: "GET /status", "POST /apps/:name/restart". */
export class ControlRoutes {
  private readonly entries: RouteEntry[] = [];

  add(spec: string, handler: Route): this {
    const [method = "GET", path = "/"] = spec.split(" ");
    const keys: string[] = [];
    const pattern = new RegExp(`^${path.replace(/:([a-z]+)/g, (_, key: string) => {
      keys.push(key);
      return "([^/]+)";
    })}$`);
    this.entries.push({ method, pattern, keys, handler });
    return this;
  }

  match(method: string, path: string): { handler: Route; params: Record<string, string> } | undefined {
    for (const entry of this.entries) {
      const match = entry.method === method ? entry.pattern.exec(path) : null;
      if (match) return { handler: entry.handler, params: Object.fromEntries(entry.keys.map((k, i) => [k, decodeURIComponent(match[i + 1] ?? "")])) };
    }
    return undefined;
  }

  /** A view that answers only the given "METHOD /path" routes (routes added later included). */
  only(...specs: string[]): RouteMatcher {
    return {
      match: (method, path) => (specs.includes(`${method} ${path}`) ? this.match(method, path) : undefined),
    };
  }
}

type RouteMatcher = Pick<ControlRoutes, "match">;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text === "" ? {} : (JSON.parse(text) as unknown);
}

function handle(routes: RouteMatcher) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://hostctl");
    const found = routes.match(req.method ?? "GET", url.pathname);
    if (!found) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: `no route ${req.method} ${url.pathname}` }));
      return;
    }
    readBody(req)
      .then((body) => found.handler(found.params, body))
      .then((out) => {
        if (out.text !== undefined) res.writeHead(out.status ?? 200, { "content-type": "text/plain; version=0.0.4" }).end(out.text);
        else res.writeHead(out.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(out.body));
      })
      .catch((error: unknown) => {
        const status = error instanceof HostctlError && error.exitCode === 2 ? 400 : 500;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: errorMessage(error), code: error instanceof HostctlError ? error.code : "INTERNAL" }));
      });
  };
}

/** Listens on the Unix socket, mode 0600: only the host's operator may steer the supervisor. */
export async function listenControl(socketPath: string, routes: ControlRoutes): Promise<Server> {
  await rm(socketPath, { force: true });
  const server = createServer(handle(routes));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  return server;
}

/**
 * `metrics.listen`: a loopback TCP port any local user can reach, so it serves GET /metrics only; the
 * control routes (stop, start, activate …) stay on the 0600 Unix socket.
 */
export async function listenTcp(address: string, routes: RouteMatcher): Promise<Server> {
  const [host = "127.0.0.1", port = "0"] = address.split(":");
  const server = createServer(handle(routes));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), host, () => resolve());
  });
  return server;
}
