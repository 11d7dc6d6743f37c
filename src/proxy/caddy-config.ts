import type { ProxyConfig } from "../config/proxy-schema.js";
import { writeRoute, type WriteRoute } from "./write-route.js";
import { DATABASE_FILE_GLOBS } from "../lib/database-files.js";

/** One app as the proxy sees it at one moment. */
export interface ProxyApp {
  name: string;
  domains: string[];
  /** The app's own port: an app without domains is served by the proxy there (loopback), as before the proxy. */
  port: number;
  /** Loopback port of the live release's web process; undefined while the app is not serving (→ 503). */
  upstream: number | undefined;
  /** The live release's collected static files (STATIC_ROOT), when it has any. */
  staticDir: string | undefined;
  mediaDir: string;
  /** On a LiteFS replica: requests that can write go to the primary's front door. */
  writes?: WriteRoute;
}

export interface CaddyConfigInput {
  proxy: ProxyConfig;
  adminSocket: string;
  storageDir: string;
  apps: readonly ProxyApp[];
  /**
   * Certificates already in storage (keys relative to it), loaded when the config is: Caddy 2.6 loads its
   * managed certificates asynchronously after a reload, and a handshake in between would fail.
   */
  storedCertificates?: readonly { certificate: string; key: string }[];
  /** Caddy before 2.6.4 knows `buffer_requests`/`max_buffer_size`, later ones `request_buffers`. */
  legacyBuffers: boolean;
}

type Json = Record<string, unknown>;

const RETRY_AFTER_S = 5;
const HASHED_NAME = "\\.[0-9a-f]{12}\\.[A-Za-z0-9]+$";
/** file_server falls back to index.html when the list is empty: a name no upload can have turns that off. */
const NO_INDEX = ["\u0000hostctl-no-index"];
/** Databases, their side files and Litestream's folders are never served (404), whatever an app put there. */
const HIDE = [...DATABASE_FILE_GLOBS];

const SIZE_UNITS: Record<string, number> = { "": 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Pure: "50mb" → bytes (the schema has checked the shape). */
export function sizeBytes(size: string): number {
  const match = /^(\d+)(kb|mb|gb)?$/i.exec(size);
  if (!match) throw new Error(`internal: unchecked size ${size}`);
  return Number(match[1]) * (SIZE_UNITS[(match[2] ?? "").toLowerCase()] ?? 1);
}

function unavailable(app: string): Json {
  return {
    handler: "static_response",
    status_code: 503,
    headers: { "Retry-After": [String(RETRY_AFTER_S)], "Content-Type": ["text/html; charset=utf-8"], "Cache-Control": ["no-store"] },
    body: `<!doctype html><title>503 Service Unavailable</title><h1>${app} is starting</h1><p>Please try again in a few seconds.</p>\n`,
  };
}

function staticRoutes(staticDir: string): Json[] {
  const files = (cache: string): Json[] => [
    { handler: "headers", response: { set: { "Cache-Control": [cache], "X-Content-Type-Options": ["nosniff"] } } },
    { handler: "file_server", root: staticDir, index_names: NO_INDEX, hide: HIDE },
  ];
  return [
    {
      match: [{ path: ["/static/*"], path_regexp: { pattern: HASHED_NAME } }],
      handle: [strip("/static"), ...files("public, max-age=31536000, immutable")],
      terminal: true,
    },
    { match: [{ path: ["/static/*"] }], handle: [strip("/static"), ...files("public, max-age=300")], terminal: true },
  ];
}

function strip(prefix: string): Json {
  return { handler: "rewrite", strip_path_prefix: prefix };
}

function proxyHandler(input: CaddyConfigInput, upstream: number): Json {
  const max = sizeBytes(input.proxy.max_body);
  // Caddy retries only requests it can replay: a buffered body survives a retry during a switch (caddy #5454).
  const buffers = input.legacyBuffers ? { buffer_requests: true, max_buffer_size: max } : { request_buffers: max };
  return {
    handler: "reverse_proxy",
    upstreams: [{ dial: `127.0.0.1:${upstream}` }],
    load_balancing: { try_duration: input.proxy.try_duration, try_interval: "100ms" },
    ...buffers,
  };
}

/** Pure: the routes of one app (static, media, then the web process or the 503 page). */
export function appRoutes(input: CaddyConfigInput, app: ProxyApp): Json[] {
  const media: Json = {
    match: [{ path: ["/media/*"] }],
    handle: [
      strip("/media"),
      { handler: "headers", response: { set: { "X-Content-Type-Options": ["nosniff"] } } },
      { handler: "file_server", root: app.mediaDir, index_names: NO_INDEX, hide: HIDE },
    ],
    terminal: true,
  };
  const web: Json =
    app.upstream === undefined
      ? { handle: [unavailable(app.name)], terminal: true }
      : {
          handle: [{ handler: "request_body", max_size: sizeBytes(input.proxy.max_body) }, proxyHandler(input, app.upstream)],
          terminal: true,
        };
  const writes = app.writes ? [writeRoute(app.writes, sizeBytes(input.proxy.max_body))] : [];
  return [...writes, ...(app.staticDir ? staticRoutes(app.staticDir) : []), media, web];
}

/** While no upstream answered within try_duration, the proxy says 503 + Retry-After, not 502. */
function errorRoutes(): Json {
  return { routes: [{ match: [{ expression: "{http.error.status_code} == 502" }], handle: [unavailable("the site")], terminal: true }] };
}

/** HTTP → HTTPS for every domain (ACME HTTP-01 challenges on this port are answered by Caddy first). */
function redirectServer(proxy: ProxyConfig): Json {
  const port = proxy.https_port === 443 ? "" : `:${proxy.https_port}`;
  return {
    listen: [`${bindHost(proxy)}:${proxy.http_port}`],
    protocols: ["h1"],
    routes: [
      {
        handle: [
          { handler: "static_response", status_code: 308, headers: { Location: [`https://{http.request.host}${port}{http.request.uri}`] } },
        ],
        terminal: true,
      },
    ],
  };
}

function bindHost(proxy: ProxyConfig): string {
  return proxy.bind ?? "";
}

function servers(input: CaddyConfigInput): Json {
  const { proxy } = input;
  const withDomains = input.apps.filter((app) => app.domains.length > 0);
  const out: Json = {};
  if (withDomains.length > 0 && proxy.tls !== "off") out.redirect = redirectServer(proxy);
  if (withDomains.length > 0) {
    const port = proxy.tls === "off" ? proxy.http_port : proxy.https_port;
    out.front = {
      listen: [`${bindHost(proxy)}:${port}`],
      protocols: ["h1", "h2"],
      routes: withDomains.map((app) => ({
        match: [{ host: app.domains }],
        handle: [{ handler: "subroute", routes: appRoutes(input, app) }],
        terminal: true,
      })),
      errors: errorRoutes(),
      // Our own redirect server (below) keeps the HTTPS port in the Location; Caddy's would drop a non-443 one.
      // The tls app's `automate` is the one manager of the domains' certificates: with automatic HTTPS
      // managing them too, Caddy 2.6 starts two issuances per domain at once, and they can store a key
      // beside the other's certificate (stored-certificates.ts).
      automatic_https: proxy.tls === "off" ? { disable: true } : { disable_redirects: true, disable_certificates: true },
    };
  }
  for (const app of input.apps.filter((a) => a.domains.length === 0)) {
    out[`port-${app.name}`] = {
      listen: [`127.0.0.1:${app.port}`],
      protocols: ["h1", "h2"],
      routes: appRoutes(input, app),
      errors: errorRoutes(),
      automatic_https: { disable: true },
    };
  }
  return out;
}

function tlsApp(input: CaddyConfigInput): Json | undefined {
  const subjects = input.apps.flatMap((app) => app.domains);
  if (input.proxy.tls === "off" || subjects.length === 0) return undefined;
  const issuers =
    input.proxy.tls === "internal"
      ? [{ module: "internal" }]
      : [{ module: "acme", ...(input.proxy.acme_email ? { email: input.proxy.acme_email } : {}) }];
  const stored = input.storedCertificates ?? [];
  return {
    // `automate` keeps every domain managed (renewed) even when a stored copy of its certificate is loaded too.
    certificates: { automate: subjects, ...(stored.length > 0 ? { load_storage: { pairs: stored } } : {}) },
    automation: { policies: [{ subjects, issuers }] },
  };
}

/**
 * Pure: the whole Caddy config for the host. hostctl is its only source: loaded through the admin API on a
 * Unix socket (never TCP), storage (certificates, the local CA) under HOSTCTL_HOME, nothing autosaved.
 */
export function buildCaddyConfig(input: CaddyConfigInput): Json {
  const tls = tlsApp(input);
  return {
    admin: { listen: `unix/${input.adminSocket}`, config: { persist: false } },
    storage: { module: "file_system", root: input.storageDir },
    apps: {
      http: {
        http_port: input.proxy.http_port,
        https_port: input.proxy.https_port,
        // No grace_period: with one, Caddy 2.6 cancels the old servers' shutdown as soon as a reload returns and
        // connections it had just accepted are reset. Requests in flight are bounded by the old web process's
        // drain (proxy.graceful_timeout) instead.
        servers: servers(input),
      },
      // The local CA's root stays in storage; it is never installed into the system trust store.
      pki: { certificate_authorities: { local: { install_trust: false } } },
      ...(tls ? { tls } : {}),
    },
  };
}
