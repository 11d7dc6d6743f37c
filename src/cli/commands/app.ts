import type { CommandResult, Deps } from "../deps.js";
import { asArgumentError, numberOrText, parseProcessFlags } from "../arguments.js";
import { table } from "../output.js";
import { loadHostConfig } from "../../config/host.js";
import { appPaths } from "../../config/paths.js";
import type { AppSpecInput } from "../../config/schema.js";
import { addApp, loadApps, removeApp, requireApp } from "../../apps/registry.js";
import { mirrorAfterChange } from "../mirror.js";
import { callControl } from "../../supervisor/control-client.js";
import { HostctlError } from "../../lib/errors.js";
import { appDomains } from "../../config/domains.js";
import { ensureSecretKey } from "../../apps/release-env.js";
import { pickAppPort } from "../../apps/pick-port.js";
import { SECRET_KEY_VAR, SHIM_OVERRIDES, usesShim } from "../../django/shim.js";
import type { AppSpec } from "../../config/schema.js";

/** Pure: what the settings shim overrides, for app show. */
export function shimLines(spec: AppSpec): string[] {
  if (spec.kind === "generic") return [];
  if (!usesShim(spec)) return ["settings:   the project's own (django.settings_shim: false)"];
  return [
    `settings:   hostctl_settings over ${spec.django.settings ?? "the project's (found at deploy; hostctl app check NAME)"}, overriding:`,
    ...SHIM_OVERRIDES.map((o) => `              ${o}`),
  ];
}

export interface AppAddOptions {
  repo?: string;
  branch?: string;
  kind?: string;
  db?: string[];
  replication?: string;
  port?: string;
  domain?: string[];
  process?: string[];
  build?: string;
  python?: string;
  systemSitePackages?: boolean;
  installer?: string;
  drillSchedule?: string;
  maxLag?: string;
  poll?: string;
  healthcheckPath?: string;
}

const FLAGS = {
  name: "NAME",
  repo: "--repo",
  branch: "--branch",
  kind: "--kind",
  databases: "--db",
  replication: "--replication",
  port: "--port",
  domains: "--domain",
  processes: "--process",
  build: "--build",
  python: "--python",
  "python.interpreter": "--python",
  "python.system_site_packages": "--system-site-packages",
  "python.installer": "--installer",
  "drill.schedule": "--drill-schedule",
  "drill.max_lag": "--max-lag",
  "deploy.poll": "--poll",
  "healthcheck.path": "--healthcheck-path",
};

/** Pure: written into app.yml to be visible and removable (Wagtail's scheduled publishing). */
export function defaultJobs(kind: string): { name: string; schedule: string; command: string }[] {
  return kind === "wagtail"
    ? [{ name: "publish_scheduled", schedule: "*/10 * * * *", command: "python manage.py publish_scheduled" }]
    : [];
}

/** Pure: only offered for Django apps: expired sessions pile up in SQLite otherwise. */
export function offeredJobs(kind: string, name: string): string[] {
  if (kind !== "django" && kind !== "wagtail") return [];
  return [
    `offer: to clear expired sessions daily, add to apps/${name}/app.yml:`,
    "  jobs:",
    '    - {name: clearsessions, schedule: "30 4 * * *", command: python manage.py clearsessions}',
  ];
}

/** Pure: flags → the app spec input the schema validates. */
export function appInputFromFlags(name: string, o: AppAddOptions): AppSpecInput {
  const input: Record<string, unknown> = { name, repo: o.repo, port: numberOrText(o.port) };
  if (o.branch !== undefined) input.branch = o.branch;
  if (o.kind !== undefined) input.kind = o.kind;
  if (o.python !== undefined || o.systemSitePackages !== undefined || o.installer !== undefined) {
    input.python = {
      ...(o.python === undefined ? {} : { interpreter: o.python }),
      ...(o.systemSitePackages === undefined ? {} : { system_site_packages: o.systemSitePackages }),
      ...(o.installer === undefined ? {} : { installer: o.installer }),
    };
  }
  if (o.db !== undefined) input.databases = o.db.map((path) => ({ path }));
  if (o.replication !== undefined) input.replication = o.replication;
  if (o.process !== undefined) input.processes = parseProcessFlags(o.process);
  if (o.build !== undefined) input.build = o.build;
  if (o.domain !== undefined) input.domains = o.domain;
  if (o.healthcheckPath !== undefined) input.healthcheck = { path: o.healthcheckPath };
  if (o.poll !== undefined) input.deploy = { poll: o.poll };
  const jobs = defaultJobs(o.kind ?? "django");
  if (jobs.length > 0) input.jobs = jobs;
  if (o.drillSchedule !== undefined || o.maxLag !== undefined) {
    input.drill = {
      ...(o.drillSchedule === undefined ? {} : { schedule: o.drillSchedule }),
      ...(o.maxLag === undefined ? {} : { max_lag: o.maxLag }),
    };
  }
  return input as AppSpecInput;
}

export async function appAdd(name: string, options: AppAddOptions, deps: Deps): Promise<CommandResult> {
  const host = await loadHostConfig(deps.paths);
  const picked = options.port === undefined ? await pickAppPort(host, await loadApps(deps.paths)) : undefined;
  if (options.port === undefined && picked === undefined)
    throw new HostctlError("PORT_IN_USE", "no free port between 8001 and 9999 for the app", {
      hint: "give one: --port N",
      exitCode: 1,
    });
  let spec;
  try {
    spec = await addApp(
      deps.paths,
      host,
      appInputFromFlags(name, picked === undefined ? options : { ...options, port: String(picked) }),
    );
  } catch (error) {
    throw asArgumentError(error, FLAGS);
  }
  const secret = await ensureSecretKey(deps.paths, spec);
  await mirrorAfterChange(deps);
  const dbs = spec.databases.map((db) => db.path).join(", ") || "none";
  const jobLines = [
    ...spec.jobs.map(
      (j) => `job ${j.name} (${j.schedule}): ${j.command} (in apps/${spec.name}/app.yml; remove it there if unwanted)`,
    ),
    ...offeredJobs(spec.kind, spec.name),
  ];
  // A running supervisor takes the app on at once: restore, Litestream, first deploy, processes.
  const loaded = await callControl(deps.paths, "load", { name: spec.name, timeoutMs: 30_000 });
  const next =
    loaded === undefined
      ? `next: hostctl env set ${spec.name} KEY=VALUE …, then hostctl up (it restores, deploys ${spec.branch} and starts ${spec.name}; hostctl deploy ${spec.name} deploys again later)`
      : loaded.ok
        ? `hostctl up is running: it restores, deploys ${spec.branch} and starts ${spec.name} now (hostctl status); env: hostctl env set ${spec.name} KEY=VALUE …, then hostctl restart ${spec.name}`
        : `warning: the running hostctl up did not take ${spec.name} on (${loaded.error}): restart it to supervise the app`;
  return {
    text: `added ${spec.name} (${spec.kind}, ${spec.repo}@${spec.branch}, port ${spec.port}${picked === undefined ? "" : " (picked: --port not given)"}, databases: ${dbs})${secret ? `\ngenerated ${SECRET_KEY_VAR} in apps/${spec.name}/env (0600)` : ""}${jobLines.map((l) => `\n${l}`).join("")}\n${next}`,
    data: { ...spec, supervised: loaded !== undefined && loaded.status < 300 },
  };
}

export async function appList(deps: Deps): Promise<CommandResult> {
  // A broken hostctl.yml is said here too, not first by the command that needs it.
  await loadHostConfig(deps.paths);
  const apps = await loadApps(deps.paths);
  const rows = [
    ["NAME", "KIND", "PORT", "BRANCH", "DATABASES", "REPO"],
    ...apps.map((a) => [
      a.name,
      a.kind,
      String(a.port),
      a.branch,
      a.databases.map((d) => d.path).join(",") || "-",
      a.repo,
    ]),
  ];
  return {
    text: apps.length === 0 ? "no apps yet: hostctl app add NAME --repo URL --port N" : table(rows),
    data: apps,
  };
}

export async function appShow(name: string, deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  const paths = appPaths(deps.paths, name);
  const lines = [
    `name:       ${spec.name}`,
    `kind:       ${spec.kind}`,
    `repo:       ${spec.repo} (branch ${spec.branch})`,
    `port:       ${spec.port}${appDomains(spec).length > 0 ? `  domains: ${appDomains(spec).join(", ")}` : ""}`,
    `databases:  ${spec.databases.map((d) => d.path).join(", ") || "none"}`,
    `processes:  ${
      Object.keys(spec.processes).length > 0
        ? Object.entries(spec.processes)
            .map(([t, c]) => `${t}: ${c}`)
            .join("; ")
        : "from the repo's Procfile"
    }`,
    `python:     ${spec.python.interpreter} (${spec.python.system_site_packages ? "with system site packages" : "isolated venv"}, installer ${spec.python.installer})`,
    ...shimLines(spec),
    `healthcheck: ${spec.healthcheck.path} within ${spec.healthcheck.timeout}`,
    `deploy:     poll ${spec.deploy.poll ?? "off"}, keep ${spec.deploy.keep_releases} releases`,
    `jobs:       ${spec.jobs.length === 0 ? "none" : spec.jobs.map((j) => `${j.name} (${j.schedule}): ${j.command}`).join("; ")}`,
    `drill:      ${spec.drill.schedule ?? "host default"}${spec.drill.max_lag ? `, max lag ${spec.drill.max_lag}` : ""}`,
    `data:       ${paths.data}`,
  ];
  return {
    text: lines.join("\n"),
    data: {
      ...spec,
      settings_overrides: usesShim(spec) ? SHIM_OVERRIDES : [],
      paths: { root: paths.root, data: paths.data, logs: paths.logs, current: paths.current },
    },
  };
}

export interface AppRemoveOptions {
  purge?: boolean;
}

export async function appRemove(name: string, options: AppRemoveOptions, deps: Deps): Promise<CommandResult> {
  const host = await loadHostConfig(deps.paths);
  await requireApp(deps.paths, name);
  // Under a running supervisor the app is stopped first (its processes, then its Litestream).
  const unloaded = await callControl(deps.paths, "unload", { name, timeoutMs: 120_000 });
  if (unloaded && !unloaded.ok)
    throw new HostctlError("SUPERVISOR_REFUSED", `the running hostctl up could not stop ${name}: ${unloaded.error}`);
  const result = await removeApp(deps.paths, host, name, options.purge ?? false);
  await mirrorAfterChange(deps, name);
  return {
    text: result.purged
      ? `removed ${name} and deleted its files (the replica in S3 is kept)`
      : `removed ${name}; its files stay in ${result.kept} (use --purge to delete them)`,
    data: result,
  };
}
