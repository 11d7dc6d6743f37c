import { describe, expect, it } from "vitest";
import { ControlRoutes } from "../../../src/supervisor/control-server.js";
import {
  appStatusSchema,
  controlApi,
  routeSpec,
  supervisorStatusSchema,
} from "../../../src/supervisor/control-protocol.js";
import { invalidAppStatus } from "../../../src/supervisor/invalid-app.js";
import { hostPaths } from "../../../src/config/paths.js";

function call(routes: ControlRoutes, method: string, path: string, body: unknown): Promise<unknown> {
  const found = routes.match(method, path);
  if (!found) throw new Error(`no route ${method} ${path}`);
  return found.handler(found.params, body).then((out) => out.body);
}

describe("control protocol", () => {
  it("every route's spec is what the router matches", () => {
    expect(routeSpec("activate")).toBe("POST /apps/:name/activate");
    expect(Object.keys(controlApi).sort()).toEqual([
      "activate",
      "drill",
      "load",
      "metrics",
      "restart",
      "start",
      "status",
      "stop",
      "unload",
    ]);
  });

  it("the server parses a request before its handler runs: a missing releaseDir is a usage error naming it", async () => {
    const seen: unknown[] = [];
    const routes = new ControlRoutes().serve("activate", (_params, body) => {
      seen.push(body);
      return Promise.resolve({ ok: true, gap_s: 0 });
    });
    await expect(call(routes, "POST", "/apps/blog/activate", {})).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining("activate needs releaseDir") as string,
    });
    await expect(call(routes, "POST", "/apps/blog/activate", { releaseDir: 7 })).rejects.toMatchObject({ exitCode: 2 });
    expect(seen).toEqual([]);
    expect(await call(routes, "POST", "/apps/blog/activate", { releaseDir: "/r/1" })).toEqual({ ok: true, gap_s: 0 });
    expect(seen).toEqual([{ releaseDir: "/r/1" }]);
  });

  it("a stop reason is kept to 300 characters; an empty or non-string one is no reason", async () => {
    const reasons: unknown[] = [];
    const routes = new ControlRoutes().serve("stop", (_params, { reason }) => {
      reasons.push(reason);
      return Promise.resolve(invalidAppStatus(hostPaths("/h"), "blog", "x"));
    });
    await call(routes, "POST", "/apps/blog/stop", { reason: "r".repeat(400) });
    await call(routes, "POST", "/apps/blog/stop", { reason: "" });
    await call(routes, "POST", "/apps/blog/stop", { reason: 12 });
    expect(reasons).toEqual(["r".repeat(300), undefined, undefined]);
  });

  it("the client's schema accepts what the supervisor sends, keeps fields it does not name, and rejects a renamed field", () => {
    const app = {
      ...invalidAppStatus(hostPaths("/h"), "blog", "bad"),
      replication: [{ database: "db.sqlite3", lag_s: 1.5, behind: false }],
      extra: 1,
    };
    const status = {
      supervisor: { pid: 1, started_at: "2026-01-01T00:00:00Z", home: "/h", host: "h", rss_mb: 1, heap_mb: 1 },
      apps: [JSON.parse(JSON.stringify(app)) as unknown],
      proxy: { state: "off" },
    };
    const parsed = supervisorStatusSchema.parse(status);
    expect(parsed.apps[0]?.replication).toEqual([{ database: "db.sqlite3", lag_s: 1.5, behind: false }]);
    expect(parsed.apps[0]?.extra).toBe(1);
    // The deploy's Litestream guard reads lag_s: a renamed field is an error, not a silently empty guard.
    expect(
      appStatusSchema.safeParse({ ...app, replication: [{ database: "db.sqlite3", lag: 1.5, behind: false }] }).success,
    ).toBe(false);
  });
});
