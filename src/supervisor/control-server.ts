import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { chmod, rm } from "node:fs/promises";
import { errorMessage, HostctlError, usageError } from "../lib/errors.js";
import { openFilesLimit } from "../lib/fd-limit.js";
import { declaresTooLarge, readLimitedBody } from "./control-body.js";
import { ConnectionLimit, connectionCap } from "./control-connections.js";
import { controlApi, routeSpec, type ControlApi, type ResponseOf, type RouteName } from "./control-protocol.js";
import type { z } from "zod";

/** A route of control-protocol.ts: its request parsed before the handler runs, its answer typed. */
export type TypedRoute<R extends RouteName> = (
  params: Record<string, string>,
  body: z.output<ControlApi[R]["request"]>,
) => Promise<ResponseOf<R>>;

export type Route = (
  params: Record<string, string>,
  body: unknown,
) => Promise<{ status?: number; body: unknown; text?: string }>;

interface RouteEntry {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Route;
}

/** Checks a decoded path parameter before any handler sees it, or throws a usage error. */
export type ParamCheck = (value: string) => string;

function decodeParam(key: string, raw: string, check: ParamCheck | undefined): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw usageError(`path parameter ${key}: malformed percent-encoding`);
  }
  return check ? check(value) : value;
}

/** A tiny router for the control API: "GET /status", "POST /apps/:name/restart". */
export class ControlRoutes {
  private readonly entries: RouteEntry[] = [];

  /** `checks` validates parameters by name (`:name` with the app-name rule). */
  constructor(private readonly checks: Record<string, ParamCheck> = {}) {}

  add(spec: string, handler: Route): this {
    const [method = "GET", path = "/"] = spec.split(" ");
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([a-z]+)/g, (_, key: string) => {
        keys.push(key);
        return "([^/]+)";
      })}$`,
    );
    this.entries.push({ method, pattern, keys, handler });
    return this;
  }

  /** A request that does not fit the route's schema is answered 400. */
  serve<R extends RouteName>(route: R, handler: TypedRoute<R>): this {
    const schema: z.ZodType = controlApi[route].request;
    return this.add(routeSpec(route), async (params, raw) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw usageError(
          `${routeSpec(route)}: ${issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid request body"}`,
        );
      }
      // The union of every route's schema does not narrow by R; the route's own schema produced it.
      return { body: await handler(params, parsed.data as z.output<ControlApi[R]["request"]>) };
    });
  }

  match(method: string, path: string): { handler: Route; params: Record<string, string> } | undefined {
    for (const entry of this.entries) {
      const match = entry.method === method ? entry.pattern.exec(path) : null;
      if (match)
        return {
          handler: entry.handler,
          params: Object.fromEntries(entry.keys.map((k, i) => [k, decodeParam(k, match[i + 1] ?? "", this.checks[k])])),
        };
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

// Node answers headers past 16 KiB with 431; 10 s for headers and 15 s for the whole request
// (408 and closed), checked every second.
export interface ControlLimits {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
  connections: number;
}

export function controlLimits(): ControlLimits {
  return {
    headersTimeout: 10_000,
    requestTimeout: 15_000,
    connectionsCheckingInterval: 1000,
    connections: connectionCap(openFilesLimit()),
  };
}

function createLimitedServer(limits: ControlLimits, routes: RouteMatcher): Server {
  const { connections, ...timeouts } = limits;
  const limit = new ConnectionLimit(connections);
  const server = createServer({ maxHeaderSize: 16 * 1024, ...timeouts }, handle(routes, limit));
  limit.attach(server);
  server.on("checkContinue", checkContinue(handle(routes, limit)));
  return server;
}

function sendBusy(req: IncomingMessage, res: ServerResponse, max: number): void {
  req.resume();
  const error = `the supervisor is busy: ${max} control connections are being served`;
  res
    .writeHead(503, { "content-type": "application/json", connection: "close" })
    .end(JSON.stringify({ error, code: "SUPERVISOR_BUSY" }));
}

function sendError(res: ServerResponse, status: number, error: unknown): void {
  if (res.headersSent) return;
  res
    .writeHead(status, { "content-type": "application/json" })
    .end(JSON.stringify({ error: errorMessage(error), code: error instanceof HostctlError ? error.code : "INTERNAL" }));
}

/** Nothing a client sends may throw out: a throw in a request listener ends the supervisor. */
function handle(routes: RouteMatcher, limit: ConnectionLimit) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (limit.isRefused(req.socket)) return sendBusy(req, res, limit.max);
    limit.track(req, res);
    let found: ReturnType<RouteMatcher["match"]>;
    let pathname = "/";
    try {
      pathname = new URL(req.url ?? "/", "http://hostctl").pathname;
      found = routes.match(req.method ?? "GET", pathname);
    } catch (error) {
      req.resume();
      sendError(res, 400, error);
      return;
    }
    if (!found) {
      req.resume();
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ error: `no route ${req.method} ${pathname}` }));
      return;
    }
    const route = found;
    readLimitedBody(req, res)
      .then((body) => (body === undefined ? undefined : route.handler(route.params, body)))
      .then((out) => {
        if (out === undefined) return;
        if (out.text !== undefined)
          res.writeHead(out.status ?? 200, { "content-type": "text/plain; version=0.0.4" }).end(out.text);
        else res.writeHead(out.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(out.body));
      })
      .catch((error: unknown) =>
        sendError(res, error instanceof HostctlError && error.exitCode === 2 ? 400 : 500, error),
      );
  };
}

function checkContinue(next: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!declaresTooLarge(req)) res.writeContinue();
    next(req, res);
  };
}

/** Listens on the Unix socket, mode 0600: only the host's operator may steer the supervisor. */
export async function listenControl(
  socketPath: string,
  routes: ControlRoutes,
  limits = controlLimits(),
): Promise<Server> {
  await rm(socketPath, { force: true });
  const server = createLimitedServer(limits, routes);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  await chmod(socketPath, 0o600);
  return server;
}

// Any local user can reach a loopback TCP port, so it serves GET /metrics only; control routes
// stay on the 0600 Unix socket.
export async function listenTcp(address: string, routes: RouteMatcher, limits = controlLimits()): Promise<Server> {
  const [host = "127.0.0.1", port = "0"] = address.split(":");
  const server = createLimitedServer(limits, routes);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), host, () => resolve());
  });
  return server;
}
