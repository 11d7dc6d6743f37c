import { describe, expect, it } from "vitest";
import { parseHostConfig } from "../../../src/config/host.js";
import { buildCaddyConfig, sizeBytes, type CaddyConfigInput, type ProxyApp } from "../../../src/proxy/caddy-config.js";
import { downOf } from "../../../src/supervisor/front-door-link.js";
import type { AppState } from "../../../src/supervisor/control-protocol.js";

function proxyOf(yaml: string) {
  const proxy = parseHostConfig(`replica:\n  url: s3://bucket/prefix\nproxy:\n${yaml}`, "hostctl.yml").proxy;
  if (!proxy) throw new Error("no proxy");
  return proxy;
}

const blog: ProxyApp = {
  name: "blog",
  domains: ["blog.example.com"],
  port: 8001,
  upstream: "unix//h/run/caddy/upstreams/blog.sock",
  staticDir: "/h/run/caddy/static/blog",
  mediaDir: "/h/apps/blog/data/media",
};
const input = (over: Partial<CaddyConfigInput> = {}): CaddyConfigInput => ({
  proxy: proxyOf("  tls: internal\n"),
  adminSocket: "/h/run/caddy/admin.sock",
  storageDir: "/h/caddy",
  apps: [blog],
  legacyBuffers: false,
  ...over,
});

/** Walks a JSON value by keys and indexes (negative: from the end). */
function at(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof key === "number" && Array.isArray(current)) current = current.at(key) as unknown;
    else if (current !== null && typeof current === "object") current = (current as Record<string, unknown>)[key];
    else return undefined;
  }
  return current;
}

const appRoutesOf = (config: unknown) =>
  at(config, "apps", "http", "servers", "front", "routes", 0, "handle", 0, "routes") as unknown[];

describe("buildCaddyConfig", () => {
  it("puts the admin API on the Unix socket only, storage under the home, nothing autosaved", () => {
    const config = buildCaddyConfig(input());
    expect(at(config, "admin")).toEqual({ listen: "unix//h/run/caddy/admin.sock", config: { persist: false } });
    expect(at(config, "storage")).toEqual({ module: "file_system", root: "/h/caddy" });
    expect(at(config, "apps", "pki", "certificate_authorities", "local", "install_trust")).toBe(false);
  });

  it("serves a domain over HTTPS from the local CA with tls internal", () => {
    const config = buildCaddyConfig(input());
    expect(at(config, "apps", "http", "servers", "front", "listen")).toEqual([":443"]);
    expect(at(config, "apps", "http", "servers", "front", "routes", 0, "match")).toEqual([
      { host: ["blog.example.com"] },
    ]);
    expect(at(config, "apps", "tls", "automation", "policies")).toEqual([
      { subjects: ["blog.example.com"], issuers: [{ module: "internal" }] },
    ]);
  });

  it("redirects HTTP to HTTPS keeping a non-default HTTPS port", () => {
    const config = buildCaddyConfig(input({ proxy: proxyOf("  tls: internal\n  https_port: 8443\n") }));
    expect(at(config, "apps", "http", "servers", "redirect", "listen")).toEqual([":80"]);
    expect(at(config, "apps", "http", "servers", "redirect", "routes", 0, "handle", 0, "headers", "Location")).toEqual([
      "https://{http.request.host}:8443{http.request.uri}",
    ]);
    expect(at(config, "apps", "http", "servers", "front", "automatic_https")).toMatchObject({
      disable_redirects: true,
    });
  });

  it("leaves the certificates to the tls app's automate alone (two managers start two issuances at once)", () => {
    const config = buildCaddyConfig(input());
    expect(at(config, "apps", "http", "servers", "front", "automatic_https")).toEqual({
      disable_redirects: true,
      disable_certificates: true,
    });
    expect(at(config, "apps", "tls", "certificates", "automate")).toEqual(["blog.example.com"]);
  });

  it("keeps every domain managed and loads certificates already in storage with the config", () => {
    const pair = {
      certificate: "certificates/local/blog.example.com/blog.example.com.crt",
      key: "certificates/local/blog.example.com/blog.example.com.key",
    };
    const config = buildCaddyConfig(input({ storedCertificates: [pair] }));
    expect(at(config, "apps", "tls", "certificates")).toEqual({
      automate: ["blog.example.com"],
      load_storage: { pairs: [pair] },
    });
    expect(at(config, "apps", "http", "grace_period")).toBeUndefined();
  });

  it("asks the ACME CA with the contact address under tls acme", () => {
    const config = buildCaddyConfig(input({ proxy: proxyOf("  acme_email: ops@example.com\n") }));
    expect(at(config, "apps", "tls", "automation", "policies", 0, "issuers")).toEqual([
      { module: "acme", email: "ops@example.com" },
    ]);
  });

  it("serves plain HTTP on http_port without certificates under tls off", () => {
    const config = buildCaddyConfig(input({ proxy: proxyOf('  tls: "off"\n  http_port: 8080\n  bind: 127.0.0.1\n') }));
    expect(at(config, "apps", "http", "servers", "front", "listen")).toEqual(["127.0.0.1:8080"]);
    expect(at(config, "apps", "http", "servers", "front", "automatic_https")).toEqual({ disable: true });
    expect(at(config, "apps", "tls")).toBeUndefined();
  });

  it("routes static, then media, then the live upstream with a buffered, limited body", () => {
    const routes = appRoutesOf(buildCaddyConfig(input()));
    expect(routes.map((r) => at(r, "match", 0, "path", 0))).toEqual(["/static/*", "/static/*", "/media/*", undefined]);
    expect(at(routes, 2, "handle", -1)).toMatchObject({ handler: "file_server", root: "/h/apps/blog/data/media" });
    expect(at(routes, 2, "handle", 1, "response", "set", "X-Content-Type-Options")).toEqual(["nosniff"]);
    expect(at(routes, 2, "handle", -1, "browse")).toBeUndefined();
    const proxy = at(routes, 3, "handle", 1);
    expect(at(routes, 3, "handle", 0)).toEqual({ handler: "request_body", max_size: 50 * 1024 * 1024 });
    expect(proxy).toMatchObject({
      handler: "reverse_proxy",
      upstreams: [{ dial: "unix//h/run/caddy/upstreams/blog.sock" }],
      request_buffers: 50 * 1024 * 1024,
    });
    expect(at(proxy, "load_balancing")).toEqual({ try_duration: "10s", try_interval: "100ms" });
    // A pooled connection would stay with the release it was opened to, past a switch.
    expect(at(proxy, "transport")).toEqual({ protocol: "http", keep_alive: { enabled: false } });
  });

  it("uses the buffering keys Caddy 2.6.2 knows", () => {
    const routes = appRoutesOf(buildCaddyConfig(input({ legacyBuffers: true })));
    expect(at(routes, 3, "handle", 1)).toMatchObject({ buffer_requests: true, max_buffer_size: 50 * 1024 * 1024 });
    expect(at(routes, 3, "handle", 1, "request_buffers")).toBeUndefined();
  });

  it("answers 503 with Retry-After while the app has no live upstream", () => {
    const routes = appRoutesOf(buildCaddyConfig(input({ apps: [{ ...blog, upstream: undefined }] })));
    expect(at(routes, -1, "handle", 0)).toMatchObject({
      handler: "static_response",
      status_code: 503,
      headers: { "Retry-After": ["5"] },
    });
  });

  it("serves an app without domains on its own port, on loopback, without TLS", () => {
    const config = buildCaddyConfig(input({ apps: [{ ...blog, domains: [], staticDir: undefined }] }));
    expect(at(config, "apps", "http", "servers", "front")).toBeUndefined();
    expect(at(config, "apps", "http", "servers", "port-blog")).toMatchObject({
      listen: ["127.0.0.1:8001"],
      automatic_https: { disable: true },
    });
    expect(at(config, "apps", "tls")).toBeUndefined();
  });
});

describe("sizeBytes", () => {
  it("reads kb, mb and gb", () => {
    expect([sizeBytes("10"), sizeBytes("2kb"), sizeBytes("50MB"), sizeBytes("1gb")]).toEqual([
      10, 2048, 52428800, 1073741824,
    ]);
  });
});

describe("the 503 page of an app that is not serving", () => {
  const page = (state: AppState, retrying = false) =>
    at(
      appRoutesOf(buildCaddyConfig(input({ apps: [{ ...blog, upstream: undefined, down: downOf(state, retrying) }] }))),
      -1,
      "handle",
      0,
      "body",
    );
  it("says what is true: starting, stopped, or unavailable", () => {
    for (const state of ["starting", "restoring", "deploying"] as const)
      expect(page(state)).toContain("<h1>blog is starting</h1>");
    // A boot that failed and is retried (its replica unreachable) starts once it can.
    expect(page("failed", true)).toContain("<h1>blog is starting</h1>");
    expect(page("waiting", true)).toContain("<h1>blog is starting</h1>");
    expect(page("stopped")).toContain("<h1>blog is stopped</h1>");
    for (const state of ["failed", "crashloop", "waiting"] as const)
      expect(page(state)).toContain("<h1>blog is unavailable</h1>");
  });
});
