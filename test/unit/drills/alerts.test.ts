import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { alertTargets, pingUrl, sendAlerts, shouldPostWebhook } from "../../../src/drills/alerts.js";
import type { DrillResult } from "../../../src/drills/result.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { validateHostConfig } from "../../../src/config/host.js";
import { createLogger } from "../../../src/lib/log.js";

const failed: DrillResult = {
  ok: false,
  app: "blog",
  started_at: "2024-01-01T00:00:00.000Z",
  duration_ms: 5,
  reason: "db: replica: no replica",
  trigger: "cli",
  live: true,
  versions: null,
  databases: [],
};
const passed: DrillResult = { ...failed, ok: true };
delete (passed as { reason?: string }).reason;
const deps = { log: createLogger("silent"), clock: { now: () => new Date(), sleep: () => Promise.resolve() } };
let server: Server | undefined;

async function serve(
  statuses: number[],
): Promise<{ base: string; hits: { method: string; url: string; body: string }[] }> {
  const hits: { method: string; url: string; body: string }[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hits.push({ method: req.method ?? "", url: req.url ?? "", body });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { base: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, hits };
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe("alerts", () => {
  it("posts the drill JSON to the webhook, retrying a 5xx with backoff", async () => {
    const { base, hits } = await serve([503, 502, 200]);
    const outcomes = await sendAlerts(failed, undefined, { webhook: `${base}/hook/secret-token` }, deps);
    expect(outcomes).toEqual([{ kind: "webhook", target: base, ok: true, attempts: 3 }]);
    expect(hits).toHaveLength(3);
    expect(JSON.parse(hits[2]?.body ?? "")).toEqual(failed);
  });

  it("never throws when the webhook keeps failing or cannot be reached", async () => {
    const { base } = await serve([500, 500, 500, 500, 500]);
    expect((await sendAlerts(failed, undefined, { webhook: base }, deps))[0]).toMatchObject({
      ok: false,
      attempts: 4,
      error: "HTTP 500",
    });
    expect((await sendAlerts(failed, undefined, { webhook: "http://127.0.0.1:1/x" }, deps))[0]).toMatchObject({
      ok: false,
      attempts: 4,
    });
  });

  it("pings the URL on success and URL/fail on failure", async () => {
    const { base, hits } = await serve([]);
    await sendAlerts(passed, undefined, { ping_url: `${base}/ping/abc` }, deps);
    await sendAlerts(failed, undefined, { ping_url: `${base}/ping/abc/` }, deps);
    expect(hits.map((h) => `${h.method} ${h.url}`)).toEqual(["GET /ping/abc", "GET /ping/abc/fail"]);
    expect(pingUrl("https://hc-ping.com/x", false)).toBe("https://hc-ping.com/x/fail");
  });

  it("posts on failure and on recovery, not on every success", () => {
    expect(shouldPostWebhook(failed, undefined)).toBe(true);
    expect(shouldPostWebhook(passed, failed)).toBe(true);
    expect(shouldPostWebhook(passed, passed)).toBe(false);
    expect(shouldPostWebhook({ ...failed, skipped: true }, undefined)).toBe(false);
  });

  it("lets an app override each of the host's targets", () => {
    const host = validateHostConfig(
      {
        replica: { url: "file:///r" },
        alerts: { webhook: "https://h.example/hook", ping_url: "https://h.example/ping" },
      },
      "hostctl.yml",
    );
    const spec = validateAppSpec(
      { name: "blog", repo: "/r", port: 8001, alerts: { ping_url: "https://a.example/ping" } },
      "app.yml",
    );
    expect(alertTargets(host, spec)).toEqual({ webhook: "https://h.example/hook", ping_url: "https://a.example/ping" });
  });
});
