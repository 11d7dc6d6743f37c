import { posix } from "node:path";
import { z } from "zod";
import { branchProblem } from "./branch-name.js";
import { repoProblem } from "./repo-url.js";
import { alerts, cron, duration, hasControlCharacter, refuseWith } from "./schema-fields.js";
import { APP_NAME, APP_NAME_RULE } from "./app-name.js";
import { databasePathProblem, refuseDuplicateNames } from "./database-path.js";

/** Lowercase labels of letters, digits and '-', at least one dot, no trailing dot. */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const HOSTNAME_RULE = "a lowercase host name such as www.example.com";

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/"), {
    message: "expected a path relative to the app's data directory, got an absolute path",
  })
  .refine((p) => !p.split("/").includes(".."), {
    message: "expected a path inside the app's data directory ('..' is not allowed)",
  })
  .refine((p) => /^[\w./+@=,-]+$/.test(p), {
    message: "expected letters, digits and . _ - + @ = , / only (the path goes into sqlite3 and Litestream commands)",
  })
  .refine((p) => !hasControlCharacter(p) && !p.endsWith("/") && posix.basename(posix.normalize(p)) !== ".", {
    message: "expected the path of a database file, such as db.sqlite3",
  })
  .superRefine(refuseWith(databasePathProblem));

/** Signals a process may be stopped with (SIGKILL always follows the grace period). */
export const STOP_SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH"] as const;

const pythonOptions = z.strictObject({
  interpreter: z
    .string()
    .min(1)
    .default("python3")
    .describe(
      "Python interpreter the app's virtualenv is made from; python3 (the default) defers to python.version and the repo's runtime.txt",
    ),
  version: z
    .string()
    .regex(/^3\.\d+(\.\d+)?$/, "expected a Python version such as 3.12 or 3.12.1")
    .optional()
    .describe(
      "Python version for the venv (wins over the repo's runtime.txt and .python-version); found as python3.X on PATH, in pyenv's versions, or by uv",
    ),
  system_site_packages: z
    .boolean()
    .default(false)
    .describe(
      "let the virtualenv see the interpreter's packages (e.g. Debian's python3-django); off: only what requirements.txt installs",
    ),
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
    collectstatic: z
      .boolean()
      .default(true)
      .describe(
        "run manage.py collectstatic at build, whatever the Procfile says (Heroku's rule); false (or DISABLE_COLLECTSTATIC=1 in the env) skips it",
      ),
  })
  .prefault({})
  .describe("Django and Wagtail hosting (kinds django and wagtail)");

export const appSpecSchema = z.strictObject({
  name: z.string().regex(APP_NAME, `expected ${APP_NAME_RULE}`).describe("app name; becomes a path and an S3 prefix"),
  repo: z
    .string()
    .superRefine(refuseWith(repoProblem))
    .describe("Git remote URL (https, ssh, git, file; no credentials) or local path"),
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
    .superRefine(refuseDuplicateNames)
    .default([])
    .describe("SQLite databases replicated by Litestream"),
  processes: z
    .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, "expected a process type such as web or worker"), z.string().min(1))
    .default({})
    .describe("process type → shell command line; a Procfile in the repo overrides"),
  stop_signal: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_-]*$/, "expected a process type such as web or worker"),
      z.enum(STOP_SIGNALS, { message: `expected one of ${STOP_SIGNALS.join(", ")}` }),
    )
    .default({})
    .describe(
      "process type → the signal that stops it gracefully (default SIGTERM; SIGINT for a uwsgi command, which reads SIGTERM as reload); SIGKILL follows after the grace period",
    ),
  build: z
    .string()
    .optional()
    .describe(
      "build command line run in the release directory at each deploy, for any kind (after the virtualenv for django/wagtail)",
    ),
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
          .regex(
            /^[a-z][a-z0-9_-]{0,39}$/,
            "expected a job name such as publish_scheduled (lowercase letters, digits, _ or -)",
          )
          .describe("job name; its output goes to logs/job-NAME.log"),
        schedule: cron("cron schedule of the job (host time zone)"),
        command: z
          .string()
          .min(1)
          .describe("shell command line run in the live release with the app's environment and venv"),
      }),
    )
    .default([])
    .refine((jobs) => new Set(jobs.map((j) => j.name)).size === jobs.length, { message: "job names must be unique" })
    .describe("scheduled commands of the app (supervisor runs them; never two runs of one job at once)"),
});
