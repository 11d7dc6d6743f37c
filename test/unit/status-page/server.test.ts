import { request } from "node:http";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/lib/log.js";
import { systemClock } from "../../../src/lib/clock.js";
import type { StatusPageConfig } from "../../../src/config/status-page-schema.js";
import { hashPassword, newToken } from "../../../src/status-page/password.js";
import type { PageData } from "../../../src/status-page/page-data.js";
import { StatusPageServer } from "../../../src/status-page/server.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let socket: string;
let server: Server;
const token = newToken();
let config: StatusPageConfig;

function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const login = (password: string, client = "203.0.113.9") =>
  call(
    "POST",
    "/login",
    { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": client },
    `password=${encodeURIComponent(password)}`,
  );

const data: PageData = {
  supervisor: { pid: 1, started_at: "2026-03-01T00:00:00Z", home: "/h", host: "vps", rss_mb: 1, heap_mb: 1 },
  apps: [],
  proxy: { state: "running" },
  disk: undefined,
  generated_at: "2026-03-01T00:00:00Z",
  certificates: [],
  history: {},
};

beforeAll(async () => {
  socket = join(await tempDir("page"), "status.sock");
  config = {
    domain: "status.test",
    password_hash: await hashPassword("correct horse battery"),
    token_hash: token.hash,
  };
  const page = new StatusPageServer({
    log: createLogger("silent"),
    clock: systemClock,
    config: () => Promise.resolve(config),
    data: () => Promise.resolve(data),
  });
  server = await page.listen(socket);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await cleanupTempDirs();
});

describe("the status page server", () => {
  it("listens on a socket only its user may connect to", async () => {
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
  });

  it("sends a visitor without a session to the login page, under a strict CSP", async () => {
    const page = await call("GET", "/");
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe("/login");
    const form = await call("GET", "/login");
    expect(form.status).toBe(200);
    expect(form.body).toContain('<input type="password" name="password"');
    expect(form.headers["content-security-policy"]).toMatch(
      /^default-src 'none'; style-src 'sha256-[^']+'; img-src 'self' data:;/,
    );
  });

  it("refuses a wrong password and gives no cookie", async () => {
    const reply = await login("wrong password!", "198.51.100.1");
    expect(reply.status).toBe(401);
    expect(reply.body).toContain("wrong password");
    expect(reply.headers["set-cookie"]).toBeUndefined();
  });

  it("logs in with the right password: a Secure, HttpOnly, SameSite=Strict session that opens the page and the JSON", async () => {
    const reply = await login("correct horse battery");
    expect(reply.status).toBe(303);
    const cookie = String(reply.headers["set-cookie"]);
    expect(cookie).toMatch(/^hostctl_status=\d+\.[\w-]+; Path=\/; Max-Age=43200; Secure; HttpOnly; SameSite=Strict$/);
    const session = cookie.split(";")[0] ?? "";
    const page = await call("GET", "/", { cookie: session });
    expect(page.status).toBe(200);
    expect(page.body).toContain("hostctl on vps");
    expect(JSON.parse((await call("GET", "/api/status", { cookie: session })).body)).toEqual(data);
  });

  it("answers /api/status to the bearer token, and 401 to anyone else", async () => {
    expect((await call("GET", "/api/status", { authorization: `Bearer ${token.token}` })).status).toBe(200);
    const refused = await call("GET", "/api/status", { authorization: "Bearer nope" });
    expect(refused.status).toBe(401);
    expect((await call("GET", "/api/status")).status).toBe(401);
  });

  it("makes a client that keeps failing wait (429, Retry-After), even with the right password", async () => {
    for (let i = 0; i < 5; i++) expect((await login("guess", "192.0.2.7")).status).toBe(401);
    const limited = await login("correct horse battery", "192.0.2.7");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect((await login("correct horse battery", "192.0.2.8")).status).toBe(303);
  });

  it("refuses a login posted from another site's page", async () => {
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      host: "status.test",
      origin: "https://evil.test",
    };
    const reply = await call("POST", "/login", headers, "password=correct+horse+battery");
    expect(reply.status).toBe(403);
    expect(reply.headers["set-cookie"]).toBeUndefined();
    const fetched = await call(
      "POST",
      "/login",
      { ...headers, origin: "null", "sec-fetch-site": "cross-site" },
      "password=correct+horse+battery",
    );
    expect(fetched.status).toBe(403);
    const same = await call(
      "POST",
      "/login",
      { ...headers, origin: "https://status.test", "x-forwarded-for": "192.0.2.99" },
      "password=correct+horse+battery",
    );
    expect(same.status).toBe(303);
  });

  it("has no write action: other methods and paths are refused", async () => {
    expect((await call("POST", "/")).status).toBe(405);
    expect((await call("DELETE", "/api/status")).status).toBe(405);
    expect((await call("GET", "/apps/x/stop")).status).toBe(404);
  });

  it("ends every session when the password changes", async () => {
    const session =
      String((await login("correct horse battery", "192.0.2.50")).headers["set-cookie"]).split(";")[0] ?? "";
    const before = config;
    config = { ...config, password_hash: await hashPassword("another long password") };
    try {
      expect((await call("GET", "/", { cookie: session })).status).toBe(303);
    } finally {
      config = before;
    }
  });
});
