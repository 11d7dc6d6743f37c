import { describe, expect, it } from "vitest";
import { proxyLines } from "../../../src/cli/commands/status.js";
import type { SupervisorStatus } from "../../../src/supervisor/control-protocol.js";

const base: Omit<SupervisorStatus, "proxy"> = {
  supervisor: { pid: 1, started_at: "2026-01-01T00:00:00Z", home: "/h", host: "h", rss_mb: 1, heap_mb: 1 },
  apps: [],
};

describe("status: the proxy lines", () => {
  it("say why there is no proxy", () => {
    expect(proxyLines({ ...base, proxy: { state: "off", reason: "no caddy binary (caddy) found" } })).toBe(
      "\nproxy: off (no caddy binary (caddy) found)",
    );
  });

  it("show Caddy, its config version and listeners, and each app's domains and live internal port", () => {
    const text = proxyLines({
      ...base,
      proxy: {
        state: "running",
        pid: 42,
        caddy_version: "2.6.2",
        config_version: 7,
        tls: "acme",
        listeners: [":80", ":443"],
        apps: { blog: { domains: ["blog.example.com"], live_port: 18001 }, api: { domains: [] } },
      },
    });
    expect(text).toBe(
      [
        "",
        "proxy: caddy 2.6.2 running (pid 42), config v7, tls acme, listening :80 :443",
        "  blog: blog.example.com → 127.0.0.1:18001",
        "  api: (no domain: its own port) → 503 (not serving)",
      ].join("\n"),
    );
  });

  it("warn when a config load can reset queued connections, and stay quiet when it cannot", () => {
    const proxy = {
      state: "running",
      caddy_version: "2.6.2",
      config_version: 1,
      tls: "off",
      listeners: [":80"],
      apps: {},
    };
    expect(proxyLines({ ...base, proxy: { ...proxy, listener_handover: "off" } })).toContain(
      "warning: a config load can reset connections queued during Caddy's reload (listener handover off): run hostctl doctor",
    );
    expect(proxyLines({ ...base, proxy: { ...proxy, listener_handover: "turned_on" } })).not.toContain("warning");
  });
});
