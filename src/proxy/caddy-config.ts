import type { ProxyConfig } from "../config/proxy-schema.js";
import { writeRoute, type WriteRoute } from "./write-route.js";
import { DATABASE_FILE_GLOBS } from "../lib/database-files.js";

/** One app as the proxy sees it at one moment. */
export interface ProxyApp {
  name: string;
  domains: string[];
  /** An app without domains is served by the proxy on its own port (loopback). */
  port: number;
  /** The app's stable socket (`unix//…`, upstream-relay.ts); undefined while not serving. */
  upstream: string | undefined;
  /** Why it is not serving, as its 503 page says (default: starting). */
  down?: AppDown;
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
  // Loaded with the config: Caddy 2.6 loads managed certificates asynchronously after a reload,
  // and a handshake in between would fail.
  storedCertificates?: readonly { certificate: string; key: string }[];
  /** Caddy before 2.6.4 knows `buffer_requests`/`max_buffer_size`, later ones `request_buffers`. */
  legacyBuffers: boolean;
  /** The supervisor's status page (status-page/): its domain, proxied to the page's Unix socket. */
  statusPage?: { domain: string; socket: string };
}

type Json = Record<string, unknown>;

/** The 503 page says which, never "starting" for a stopped app. */
export type AppDown = "starting" | "stopped" | "unavailable";

const DOWN_PAGES: Record<AppDown, { title: (app: string) => string; next: string }> = {
  starting: { title: (app) => `${app} is starting`, next: "Please try again in a few seconds." },
  stopped: { title: (app) => `${app} is stopped`, next: "It is not serving requests until it is started again." },
  unavailable: {
    title: (app) => `${app} is unavailable`,
    next: "It is not serving requests right now; please try again later.",
  },
};

const RETRY_AFTER_S = 5;
const HASHED_NAME = "\\.[0-9a-f]{12}\\.[A-Za-z0-9]+$";
/** An empty list falls back to index.html; a name no upload can have turns that off. */
const NO_INDEX = ["\u0000hostctl-no-index"];
/** Never served (404), whatever an app put there. */
const HIDE = [...DATABASE_FILE_GLOBS];

const SIZE_UNITS: Record<string, number> = { "": 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Pure: "50mb" → bytes (the schema has checked the shape). */
export function sizeBytes(size: string): number {
  const match = /^(\d+)(kb|mb|gb)?$/i.exec(size);
  if (!match) throw new Error(`internal: unchecked size ${size}`);
  return Number(match[1]) * (SIZE_UNITS[(match[2] ?? "").toLowerCase()] ?? 1);
}

function unavailable(app: string, down: AppDown = "starting"): Json {
  const page = DOWN_PAGES[down];
  return {
    handler: "static_response",
    status_code: 503,
    headers: {
      "Retry-After": [String(RETRY_AFTER_S)],
      "Content-Type": ["text/html; charset=utf-8"],
      "Cache-Control": ["no-store"],
    },
    body: `<!doctype html><title>503 Service Unavailable</title><h1>${page.title(app)}</h1><p>${page.next}</p>\n`,
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

function proxyHandler(input: CaddyConfigInput, upstream: string): Json {
  const max = sizeBytes(input.proxy.max_body);
  // Caddy retries only requests it can replay: a buffered body survives a retry during a switch.
  const buffers = input.legacyBuffers ? { buffer_requests: true, max_buffer_size: max } : { request_buffers: max };
  return {
    handler: "reverse_proxy",
    upstreams: [{ dial: upstream }],
    load_balancing: { try_duration: input.proxy.try_duration, try_interval: "100ms" },
    // A connection kept in Caddy's pool would stay with the release it was opened to.
    transport: { protocol: "http", keep_alive: { enabled: false } },
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
      ? { handle: [unavailable(app.name, app.down)], terminal: true }
      : {
          handle: [
            { handler: "request_body", max_size: sizeBytes(input.proxy.max_body) },
            proxyHandler(input, app.upstream),
          ],
          terminal: true,
        };
  const writes = app.writes ? [writeRoute(app.writes, sizeBytes(input.proxy.max_body))] : [];
  return [...writes, ...(app.staticDir ? staticRoutes(app.staticDir) : []), media, web];
}

/** While no upstream answered within try_duration, the proxy says 503 + Retry-After, not 502. */
function errorRoutes(): Json {
  return {
    routes: [
      { match: [{ expression: "{http.error.status_code} == 502" }], handle: [unavailable("the site")], terminal: true },
    ],
  };
}

/** ACME HTTP-01 challenges on this port are answered by Caddy before the redirect. */
function redirectServer(proxy: ProxyConfig): Json {
  const port = proxy.https_port === 443 ? "" : `:${proxy.https_port}`;
  return {
    listen: [`${bindHost(proxy)}:${proxy.http_port}`],
    protocols: ["h1"],
    routes: [
      {
        handle: [
          {
            handler: "static_response",
            status_code: 308,
            headers: { Location: [`https://{http.request.host}${port}{http.request.uri}`] },
          },
        ],
        terminal: true,
      },
    ],
  };
}

function bindHost(proxy: ProxyConfig): string {
  return proxy.bind ?? "";
}

/** Pure: none when hostctl.yml has no proxy.status. */
export function statusPageRoutes(input: CaddyConfigInput): Json[] {
  const page = input.statusPage;
  if (!page) return [];
  return [
    {
      match: [{ host: [page.domain] }],
      handle: [{ handler: "reverse_proxy", upstreams: [{ dial: `unix/${page.socket}` }] }],
      terminal: true,
    },
  ];
}

function servers(input: CaddyConfigInput): Json {
  const { proxy } = input;
  const withDomains = input.apps.filter((app) => app.domains.length > 0);
  const out: Json = {};
  const front = withDomains.length > 0 || input.statusPage !== undefined;
  if (front && proxy.tls !== "off") out.redirect = redirectServer(proxy);
  if (front) {
    const port = proxy.tls === "off" ? proxy.http_port : proxy.https_port;
    out.front = {
      listen: [`${bindHost(proxy)}:${port}`],
      protocols: ["h1", "h2"],
      routes: [
        ...withDomains.map((app) => ({
          match: [{ host: app.domains }],
          handle: [{ handler: "subroute", routes: appRoutes(input, app) }],
          terminal: true,
        })),
        ...statusPageRoutes(input),
      ],
      errors: errorRoutes(),
      // Our redirect keeps a non-443 HTTPS port. Automatic HTTPS beside `automate` makes
      // Caddy 2.6 issue twice per domain and store crossed pairs (stored-certificates.ts).
      automatic_https:
        proxy.tls === "off" ? { disable: true } : { disable_redirects: true, disable_certificates: true },
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
  const subjects = [
    ...input.apps.flatMap((app) => app.domains),
    ...(input.statusPage ? [input.statusPage.domain] : []),
  ];
  if (input.proxy.tls === "off" || subjects.length === 0) return undefined;
  const issuers =
    input.proxy.tls === "internal"
      ? [{ module: "internal" }]
      : [{ module: "acme", ...(input.proxy.acme_email ? { email: input.proxy.acme_email } : {}) }];
  const stored = input.storedCertificates ?? [];
  return {
    // `automate` keeps every domain renewed even when a stored copy of its certificate is loaded.
    certificates: { automate: subjects, ...(stored.length > 0 ? { load_storage: { pairs: stored } } : {}) },
    automation: { policies: [{ subjects, issuers }] },
  };
}

// hostctl is Caddy's only source: loaded over a Unix socket (never TCP), storage under
// HOSTCTL_HOME, nothing autosaved.
export function buildCaddyConfig(input: CaddyConfigInput): Json {
  const tls = tlsApp(input);
  return {
    admin: { listen: `unix/${input.adminSocket}`, config: { persist: false } },
    storage: { module: "file_system", root: input.storageDir },
    apps: {
      http: {
        http_port: input.proxy.http_port,
        https_port: input.proxy.https_port,
        // No grace_period: Caddy 2.6 then resets connections just accepted when a reload returns.
        // The old web process's drain (proxy.graceful_timeout) bounds requests in flight instead.
        servers: servers(input),
      },
      // The local CA's root stays in storage; it is never installed into the system trust store.
      pki: { certificate_authorities: { local: { install_trust: false } } },
      ...(tls ? { tls } : {}),
    },
  };
}
