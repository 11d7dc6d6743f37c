import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { chmod, rm } from "node:fs/promises";
import type { StatusPageConfig } from "../config/status-page-schema.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/log.js";
import { errorMessage } from "../lib/errors.js";
import { readForm } from "./form-body.js";
import { LoginLimit } from "./login-limit.js";
import type { PageData } from "./page-data.js";
import { CSP } from "./page-style.js";
import { verifyPassword, verifyToken } from "./password.js";
import { renderLogin, renderPage } from "./render-page.js";
import { readCookie, SESSION_COOKIE, sessionCookie, Sessions } from "./session.js";

export interface StatusPageDeps {
  log: Logger;
  clock: Clock;
  /** The page's settings as hostctl.yml has them now (a new password counts without a restart). */
  config: () => Promise<StatusPageConfig | undefined>;
  /** Everything the page shows, from the supervisor's memory and local files only. */
  data: () => Promise<PageData>;
}

const HEADERS = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

type Answer = { status: number; type?: string; body?: string; headers?: Record<string, string> };

/** Caddy's last X-Forwarded-For entry is the client: only Caddy can reach the socket. */
function clientOf(req: IncomingMessage): string {
  const forwarded = String(req.headers["x-forwarded-for"] ?? "").split(",");
  return forwarded.at(-1)?.trim() || "local";
}

// Refuses login CSRF by Sec-Fetch-Site or Origin ("null" under a strict referrer policy).
// Clients that send neither header pass.
function isSameOrigin(req: IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return false;
  const origin = req.headers.origin;
  if (origin === undefined || origin === "null") return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

const html = (status: number, body: string, headers: Record<string, string> = {}): Answer => ({
  status,
  type: "text/html; charset=utf-8",
  body,
  headers,
});

/** Read-only: GET /, GET+POST /login, GET /api/status (cookie or bearer token). */
export class StatusPageServer {
  private readonly sessions = new Sessions();
  private readonly limit = new LoginLimit();

  constructor(private readonly deps: StatusPageDeps) {}

  async listen(socketPath: string): Promise<Server> {
    await rm(socketPath, { force: true });
    const server = createServer(
      { maxHeaderSize: 16 * 1024, headersTimeout: 10_000 },
      (req, res) => void this.serve(req, res),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    // Caddy runs as the supervisor's user: it connects; nobody else does.
    await chmod(socketPath, 0o600);
    return server;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.route(req);
    } catch (error) {
      this.deps.log.error({ event: "status_page.failed", reason: errorMessage(error) }, "status page request failed");
      answer = { status: 500, type: "text/plain; charset=utf-8", body: "internal error\n" };
    }
    if (res.headersSent) return;
    res.writeHead(answer.status, {
      ...HEADERS,
      ...(answer.type ? { "content-type": answer.type } : {}),
      ...answer.headers,
    });
    res.end(answer.body ?? "");
  }

  private async route(req: IncomingMessage): Promise<Answer> {
    const path = new URL(req.url ?? "/", "http://status").pathname;
    const key = `${req.method ?? "GET"} ${path}`;
    if (key === "POST /login") return this.login(req);
    req.resume();
    const config = await this.deps.config();
    if (key === "GET /login")
      return html(
        200,
        renderLogin(config?.password_hash ? undefined : "no password is set: run hostctl status-page passwd"),
      );
    if (key === "GET /api/status") {
      if (!this.authorized(req, config, true))
        return {
          status: 401,
          type: "application/json",
          body: JSON.stringify({ error: "log in or send Authorization: Bearer TOKEN" }),
          headers: { "www-authenticate": "Bearer" },
        };
      return { status: 200, type: "application/json", body: JSON.stringify(await this.deps.data()) };
    }
    if (key === "GET /") {
      if (!this.authorized(req, config, false)) return { status: 303, headers: { location: "/login" } };
      return html(200, renderPage(await this.deps.data(), this.deps.clock.now()));
    }
    if (req.method !== "GET" && req.method !== "HEAD") return { status: 405, headers: { allow: "GET" } };
    return { status: 404, type: "text/plain; charset=utf-8", body: "not found\n" };
  }

  private authorized(req: IncomingMessage, config: StatusPageConfig | undefined, bearer: boolean): boolean {
    const auth = req.headers.authorization;
    if (bearer && auth?.startsWith("Bearer ")) return verifyToken(config?.token_hash, auth.slice(7).trim());
    return this.sessions.isValid(
      readCookie(req.headers.cookie, SESSION_COOKIE),
      this.deps.clock.now(),
      config?.password_hash,
    );
  }

  private async login(req: IncomingMessage): Promise<Answer> {
    if (!isSameOrigin(req)) {
      req.resume();
      return { status: 403, type: "text/plain; charset=utf-8", body: "cross-site login refused\n" };
    }
    const now = this.deps.clock.now().getTime();
    const client = clientOf(req);
    const wait = this.limit.retryAfter(client, now);
    if (wait > 0) {
      req.resume();
      return html(429, renderLogin(`too many failed logins: try again in ${wait}s`), { "retry-after": String(wait) });
    }
    const form = await readForm(req);
    const config = await this.deps.config();
    const hash = config?.password_hash;
    if (hash && form && (await verifyPassword(hash, form.get("password") ?? ""))) {
      this.deps.log.info({ event: "status_page.login", client }, "status page login");
      return {
        status: 303,
        headers: { location: "/", "set-cookie": sessionCookie(this.sessions.issue(this.deps.clock.now(), hash)) },
      };
    }
    this.limit.failed(client, now);
    this.deps.log.warn({ event: "status_page.login_failed", client }, "status page login refused");
    return html(401, renderLogin(hash ? "wrong password" : "no password is set: run hostctl status-page passwd"));
  }
}
