import { posix } from "node:path";
import { z } from "zod";
import { validate as isValidCron } from "node-cron";
import { parseDuration } from "../lib/duration.js";
import { branchProblem } from "./branch-name.js";
import { repoProblem } from "./repo-url.js";
import { litefsHostSchema } from "./litefs-schema.js";

export const APP_NAME = /^[a-z][a-z0-9-]{0,39}$/;
export const APP_NAME_RULE = "a lowercase letter, then up to 39 lowercase letters, digits or '-'";

// Zero is refused too: a 0s sync interval makes Litestream panic, a 0s poll would silently mean "off".
const duration = (what: string) =>
  z
    .string()
    .refine((v) => (parseDuration(v) ?? 0) > 0, {
      message: "expected a duration above zero such as 500ms, 1s, 5m, 24h or 7d",
    })
    .describe(what);

const cron = (what: string) =>
  z
    .string()
    .refine((v) => isValidCron(v), { message: 'expected a cron expression such as "17 3 * * *"' })
    .describe(what);

const httpUrl = (what: string) =>
  z
    .string()
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), { message: "expected an http:// or https:// URL" })
    .describe(what);

/** A DNS host name: labels of letters, digits and '-', at least one dot, no trailing dot (lowercase). */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const HOSTNAME_RULE = "a lowercase host name such as www.example.com";

export const REPLICA_URL = /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?|file:\/\/\/[^\s]*)$/;

const alerts = z.strictObject({
  webhook: httpUrl("POST the drill result as JSON here when a drill fails (and on recovery)").optional(),
  ping_url: httpUrl("healthchecks-style dead man's switch: GET on success, GET URL/fail on failure").optional(),
});

const port = (what: string) => z.number().int().min(1).max(65535).describe(what);

export const proxySchema = z
  .strictObject({
    http_port: port("port Caddy serves plain HTTP on (redirects to HTTPS unless tls is off)").default(80),
    https_port: port("port Caddy serves HTTPS on").default(443),
    tls: z
      .enum(["acme", "internal", "off"])
      .default("acme")
      .describe("acme: certificates from Let's Encrypt/ZeroSSL; internal: from Caddy's local CA (staging, tests); off: plain HTTP"),
    acme_email: z
      .string()
      .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "expected an e-mail address")
      .optional()
      .describe("contact address given to the ACME CA (expiry notices)"),
    bind: z
      .string()
      .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$/, "expected an IP address such as 127.0.0.1")
      .optional()
      .describe("address the HTTP/HTTPS ports listen on (default: every interface)"),
    caddy: z.string().min(1).default("caddy").describe("the caddy binary: a path, or a name looked up on PATH"),
    internal_port_base: z
      .number()
      .int()
      .min(1024)
      .max(64000)
      .default(18000)
      .describe("first loopback port of the apps' internal (blue/green) ports: two per app"),
    max_body: z
      .string()
      .regex(/^\d+(kb|mb|gb)?$/i, "expected a size such as 50mb")
      .default("50mb")
      .describe("largest request body the proxy accepts (buffered so a POST survives a switch)"),
    graceful_timeout: duration("how long an old release's web process may drain its requests after a switch").default("30s"),
    try_duration: duration("how long the proxy holds a request while no upstream answers").default("10s"),
  })
  .refine((p) => p.http_port !== p.https_port, { message: "expected https_port to differ from http_port", path: ["https_port"] })
  .describe("front door settings");

export const hostConfigSchema = z.strictObject({
  replica: z
    .strictObject({
      url: z
        .string()
        .regex(REPLICA_URL, "expected s3://BUCKET/PREFIX or file:///DIR")
        .refine((v) => !v.startsWith("file://") || posix.normalize(v.slice("file://".length)) !== "/", {
          message: "expected a directory below / for a file:// replica (file:/// would write into the root directory)",
        })
        .describe("where every app's databases are replicated: s3://BUCKET/PREFIX or file:///DIR"),
      s3: z
        .strictObject({
          endpoint: httpUrl("S3 endpoint for non-AWS providers (MinIO, R2, B2, ...)").optional(),
          region: z.string().min(1).default("us-east-1").describe("S3 region"),
          force_path_style: z.boolean().default(false).describe("use path-style S3 URLs (most non-AWS providers)"),
          credentials_file: z
            .string()
            .startsWith("/", "expected an absolute path")
            .optional()
            .describe("0600 file of AWS_ACCESS_KEY_ID=… and AWS_SECRET_ACCESS_KEY=… lines; else the AWS_* environment"),
        })
        .prefault({})
        .describe("S3 connection settings (ignored for file:// replicas)"),
    })
    .describe("replica target"),
  litestream: z
    .strictObject({
      binary: z.string().optional().describe("path of the litestream binary (default: the one shipped with hostctl)"),
      template: z.string().optional().describe("Litestream config template overriding the built-in one"),
      sync_interval: duration("how often Litestream ships WAL to the replica").default("1s"),
      snapshot_interval: duration("how often Litestream writes a full snapshot").default("24h"),
      retention: duration("how long snapshots and WAL are kept in the replica").default("72h"),
      stall_timeout: duration(
        "Litestream is restarted (with backoff, logged and posted to alerts.webhook) when writes have waited this long for the replica",
      ).default("2m"),
      heartbeat_url: httpUrl(
        "Litestream 0.5 GETs this URL while replication is healthy (a dead man's switch for the replicator; not with 0.3)",
      ).optional(),
      metrics_port_base: z
        .number()
        .int()
        .min(1024)
        .max(65000)
        .default(9430)
        .describe("first loopback port for each app's Litestream metrics (one port per app, in app order)"),
    })
    .prefault({})
    .describe("Litestream settings"),
  drills: z
    .strictObject({
      schedule: cron("default cron schedule for restore drills").default("17 3 * * *"),
      concurrency: z.number().int().min(1).max(8).default(1).describe("drills running at once"),
      max_lag: duration("a drill fails when the replica is older than this").default("60s"),
    })
    .prefault({})
    .describe("restore drill defaults"),
  alerts: alerts.prefault({}).describe("where failing drills are reported"),
  registry: z
    .strictObject({
      mirror: z
        .boolean()
        .default(true)
        .describe("mirror every app spec and its live commit to <replica>/_hostctl/registry/ (what a fresh host recovers from)"),
      env_public_key: z
        .string()
        .regex(/^[A-Za-z0-9+/=]{40,}$/, "expected the base64 public key printed by hostctl keygen")
        .optional()
        .describe("when set, app env files are mirrored too, encrypted to this X25519 public key; the private key stays off the host"),
    })
    .prefault({})
    .describe("the app registry kept in the replica target"),
  proxy: proxySchema.optional().describe("the front door: Caddy in front of every app (absent: apps serve on their own ports, no proxy)"),
  metrics: z
    .strictObject({
      listen: z
        .string()
        .regex(/^127\.0\.0\.1:\d{2,5}$/, "expected 127.0.0.1:PORT (metrics are never exposed beyond loopback)")
        .optional()
        .describe("also serve /metrics on this loopback TCP address"),
    })
    .prefault({})
    .describe("Prometheus metrics"),
  litefs: litefsHostSchema.optional().describe("this host's place in a LiteFS cluster (apps with replication: litefs; docs/litefs.md)"),
});

const refuseWith = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const message = problem(value);
  if (message !== undefined) ctx.addIssue({ code: "custom", message });
};

const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/"), { message: "expected a path relative to the app's data directory, got an absolute path" })
  .refine((p) => !p.split("/").includes(".."), { message: "expected a path inside the app's data directory ('..' is not allowed)" })
  .refine((p) => /^[\w./+@=,-]+$/.test(p), {
    message: "expected letters, digits and . _ - + @ = , / only (the path goes into sqlite3 and Litestream commands)",
  })
  .refine((p) => !hasControlCharacter(p) && !p.endsWith("/") && posix.basename(posix.normalize(p)) !== ".", {
    message: "expected the path of a database file, such as db.sqlite3",
  });

const pythonOptions = z.strictObject({
  interpreter: z.string().min(1).default("python3").describe("Python interpreter the app's virtualenv is made from"),
  system_site_packages: z
    .boolean()
    .default(false)
    .describe("let the virtualenv see the interpreter's packages (e.g. Debian's python3-django); off: only what requirements.txt installs"),
  installer: z
    .enum(["auto", "pip", "uv"])
    .default("auto")
    .describe("what installs requirements.txt: uv when on PATH (auto), or pip, or uv"),
});

// The old form `python: /usr/bin/python3` still reads: it is the interpreter.
const pythonSection = z
  .preprocess((v) => (typeof v === "string" ? { interpreter: v } : (v ?? {})), pythonOptions)
  .describe("the app's virtualenv: interpreter, system site packages, installer (a string is the interpreter)");

const djangoOptions = z
  .strictObject({
    settings_shim: z
      .boolean()
      .default(true)
      .describe(
        "run every process with hostctl's settings module layered over the project's (databases, static/media, hosts, secret key, logging); false: the project handles hosting itself",
      ),
    settings: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, "expected a dotted module path such as mysite.settings.production")
      .optional()
      .describe(
        "the project's settings module (default: found from manage.py and wsgi.py; settings/production.py for a wagtail start layout)",
      ),
  })
  .prefault({})
  .describe("Django and Wagtail hosting (kinds django and wagtail)");

export const appSpecSchema = z.strictObject({
  name: z.string().regex(APP_NAME, `expected ${APP_NAME_RULE}`).describe("app name; becomes a path and an S3 prefix"),
  repo: z.string().superRefine(refuseWith(repoProblem)).describe("Git remote URL (https, ssh, git, file; no credentials) or local path"),
  branch: z
    .string()
    .superRefine(refuseWith(branchProblem))
    .default("main")
    .describe("branch deployed by default and polled for new commits"),
  kind: z.enum(["django", "wagtail", "generic"]).default("django").describe("django | wagtail | generic"),
  python: pythonSection,
  replication: z
    .enum(["litestream", "litefs"])
    .default("litestream")
    .describe(
      "litestream: one host, streamed to the replica target; litefs: a LiteFS cluster (a primary and read replicas, docs/litefs.md), Litestream on the primary",
    ),
  databases: z
    .array(z.strictObject({ path: relativePath.describe("SQLite file, relative to apps/<app>/data") }))
    .default([])
    .describe("SQLite databases replicated by Litestream"),
  processes: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, "expected a process type such as web or worker"), z.string().min(1))
    .default({})
    .describe("process type → shell command line; a Procfile in the repo overrides"),
  build: z
    .string()
    .optional()
    .describe("build command line run in the release directory at each deploy, for any kind (after the virtualenv for django/wagtail)"),
  port: z.number().int().min(1024).max(65535).describe("loopback port the web process listens on ($PORT)"),
  domain: z
    .string()
    .regex(HOSTNAME, `expected ${HOSTNAME_RULE}`)
    .optional()
    .describe("deprecated single public host name (app.yml files before domains); read as the first of domains"),
  domains: z
    .array(z.string().regex(HOSTNAME, `expected ${HOSTNAME_RULE}`))
    .default([])
    .describe("public host names the proxy serves this app on; the first is also the Host header of health checks"),
  healthcheck: z
    .strictObject({
      path: z
        .string()
        .refine((p) => /^\/\S*$/.test(p) && !hasControlCharacter(p), {
          message: "expected a URL path such as /healthz (starting with '/', no spaces or control characters)",
        })
        .default("/")
        .describe("path that must answer 2xx/3xx"),
      timeout: duration("how long a new release has to become healthy").default("30s"),
    })
    .prefault({})
    .describe("deploy health check"),
  deploy: z
    .strictObject({
      poll: duration("check the branch for new commits at this interval (unset: no polling)").optional(),
      keep_releases: z.number().int().min(2).max(50).default(5).describe("releases kept on disk"),
    })
    .prefault({})
    .describe("deploy settings"),
  drill: z
    .strictObject({
      schedule: cron("cron schedule for this app's restore drills (default: drills.schedule)").optional(),
      max_lag: duration("replica freshness limit (default: drills.max_lag)").optional(),
    })
    .prefault({})
    .describe("restore drill settings"),
  alerts: alerts.optional().describe("per-app alert targets overriding the host's"),
  django: djangoOptions,
  jobs: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[a-z][a-z0-9_-]{0,39}$/, "expected a job name such as publish_scheduled (lowercase letters, digits, _ or -)")
          .describe("job name; its output goes to logs/job-NAME.log"),
        schedule: cron("cron schedule of the job (host time zone)"),
        command: z.string().min(1).describe("shell command line run in the live release with the app's environment and venv"),
      }),
    )
    .default([])
    .refine((jobs) => new Set(jobs.map((j) => j.name)).size === jobs.length, { message: "job names must be unique" })
    .describe("scheduled commands of the app (supervisor runs them; never two runs of one job at once)"),
});

export type HostConfig = z.infer<typeof hostConfigSchema>;
export type HostConfigInput = z.input<typeof hostConfigSchema>;
export type AppSpec = z.infer<typeof appSpecSchema>;
export type AppSpecInput = z.input<typeof appSpecSchema>;
export type ProxyConfig = z.infer<typeof proxySchema>;
export type AppKind = AppSpec["kind"];
