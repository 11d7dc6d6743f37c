import { describe, expect, it } from "vitest";
import { parseHostConfig } from "../../../src/config/host.js";
import { buildCaddyConfig, type CaddyConfigInput } from "../../../src/proxy/caddy-config.js";

function input(apps: CaddyConfigInput["apps"], tls = "internal"): CaddyConfigInput {
  const proxy = parseHostConfig(
    `replica:\n  url: s3://bucket/prefix\nproxy:\n  tls: ${tls}\n  status: {domain: status.example.com}\n`,
    "hostctl.yml",
  ).proxy;
  if (!proxy) throw new Error("no proxy");
  return {
    proxy,
    adminSocket: "/h/run/caddy/admin.sock",
    storageDir: "/h/caddy",
    apps,
    legacyBuffers: false,
    statusPage: { domain: "status.example.com", socket: "/h/run/status.sock" },
  };
}

const blog = {
  name: "blog",
  domains: ["blog.example.com"],
  port: 8001,
  upstream: "unix//h/run/caddy/upstreams/blog.sock",
  staticDir: undefined,
  mediaDir: "/m",
};

type Config = {
  apps: {
    http: { servers: Record<string, { routes: { match?: { host?: string[] }[]; handle: unknown[] }[] }> };
    tls?: { certificates: { automate: string[] } };
  };
};

describe("the status page in Caddy's config", () => {
  it("routes its domain to the page's Unix socket after the apps, and gets it a certificate", () => {
    const config = buildCaddyConfig(input([blog])) as Config;
    const routes = config.apps.http.servers.front?.routes ?? [];
    expect(routes.map((r) => r.match?.[0]?.host)).toEqual([["blog.example.com"], ["status.example.com"]]);
    expect(routes[1]?.handle).toEqual([{ handler: "reverse_proxy", upstreams: [{ dial: "unix//h/run/status.sock" }] }]);
    expect(config.apps.tls?.certificates.automate).toEqual(["blog.example.com", "status.example.com"]);
    expect(config.apps.http.servers.redirect).toBeDefined();
  });

  it("is served on a host whose apps have no domains yet", () => {
    const config = buildCaddyConfig(input([])) as Config;
    expect(config.apps.http.servers.front?.routes.map((r) => r.match?.[0]?.host)).toEqual([["status.example.com"]]);
    expect(config.apps.tls?.certificates.automate).toEqual(["status.example.com"]);
  });
});
