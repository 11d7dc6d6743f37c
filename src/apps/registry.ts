import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { isAppName } from "../config/app-name.js";
import { ensurePrivateDirs } from "./private-files.js";
import type { AppSpec, AppSpecInput, HostConfig } from "../config/schema.js";
import { appPaths, type HostPaths } from "../config/paths.js";
import { loadAppSpec, saveAppSpec, validateAppSpec } from "../config/app.js";
import { checkAppRules } from "../config/rules.js";
import { HostctlError } from "../lib/errors.js";
import { pathExists, writeFileAtomic } from "../lib/fs.js";
import { writeLitestreamConfigs } from "../litestream/config-files.js";

export async function listAppNames(paths: HostPaths): Promise<string[]> {
  if (!(await pathExists(paths.apps))) return [];
  const entries = await readdir(paths.apps, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    // Only app names: anything else cannot become a path through appPaths.
    if (entry.isDirectory() && isAppName(entry.name) && (await pathExists(appPaths(paths, entry.name).spec)))
      names.push(entry.name);
  }
  return names.sort();
}

/** The first spec that fails its checks fails the call (a CLI command reports it, exit 2). */
export async function loadApps(paths: HostPaths): Promise<AppSpec[]> {
  const names = await listAppNames(paths);
  return Promise.all(names.map((name) => loadAppSpec(paths, name)));
}

export interface InvalidApp {
  name: string;
  error: unknown;
}

/** For the supervisor: invalid specs are listed (shown failed, never started), not thrown. */
export async function scanApps(paths: HostPaths): Promise<{ apps: AppSpec[]; invalid: InvalidApp[] }> {
  const apps: AppSpec[] = [];
  const invalid: InvalidApp[] = [];
  for (const name of await listAppNames(paths)) {
    try {
      apps.push(await loadAppSpec(paths, name));
    } catch (error) {
      invalid.push({ name, error });
    }
  }
  return { apps, invalid };
}

export async function requireApp(paths: HostPaths, name: string): Promise<AppSpec> {
  if (!(await pathExists(appPaths(paths, name).spec))) {
    throw new HostctlError("APP_NOT_FOUND", `no app named "${name}" in ${paths.apps}`, {
      exitCode: 2,
      hint: "run: hostctl app list",
    });
  }
  return loadAppSpec(paths, name);
}

/** Checked like `app add` checks a new app; nothing is written when a check fails. */
export async function checkEditedApp(paths: HostPaths, host: HostConfig, name: string): Promise<AppSpec> {
  const spec = await requireApp(paths, name);
  const file = appPaths(paths, name).spec;
  const others = (await loadApps(paths)).filter((other) => other.name !== name);
  checkAppRules(spec, others, host, file);
  // Renders every config before it writes any: a template problem leaves them all as they were.
  await writeLitestreamConfigs(paths, host, [...others, spec]);
  return spec;
}

/** Everything is validated before app.yml, the 0600 env file and Litestream configs are written. */
export async function addApp(paths: HostPaths, host: HostConfig, input: AppSpecInput): Promise<AppSpec> {
  // The schema below validates the name, so its error's file is built without appPaths.
  const file = join(paths.apps, String(input.name), "app.yml");
  const spec = validateAppSpec(input, file);
  const others = await loadApps(paths);
  if (others.some((other) => other.name === spec.name)) {
    throw new HostctlError("APP_EXISTS", `app "${spec.name}" already exists (${file})`, {
      exitCode: 2,
      hint: `run: hostctl app show ${spec.name}`,
    });
  }
  checkAppRules(spec, others, host, file);
  const app = appPaths(paths, spec.name);
  // Render the Litestream configs into memory first: a template problem must leave nothing behind.
  await writeLitestreamConfigs(paths, host, [...others, spec], { dryRun: true });
  const fresh = !(await pathExists(app.root));
  try {
    await mkdir(app.root, { recursive: true });
    await Promise.all([app.logs, app.releases].map((dir) => mkdir(dir, { recursive: true })));
    await ensurePrivateDirs(app);
    if (!(await pathExists(app.env))) await writeFileAtomic(app.env, "", 0o600);
    await saveAppSpec(paths, spec);
    await writeLitestreamConfigs(paths, host, [...others, spec]);
  } catch (error) {
    // A write failed (full disk): undo this call's writes, so the app is added or not at all.
    if (fresh) await rm(app.root, { recursive: true, force: true });
    else await rm(app.spec, { force: true });
    await rm(app.litestreamConfig, { force: true });
    throw error;
  }
  return spec;
}

export interface RemoveResult {
  name: string;
  purged: boolean;
  kept: string | undefined;
}

/** Unregisters an app. Without purge its data directory stays on disk (and in the replica). */
export async function removeApp(
  paths: HostPaths,
  host: HostConfig,
  name: string,
  purge: boolean,
): Promise<RemoveResult> {
  await requireApp(paths, name);
  const app = appPaths(paths, name);
  if (purge) {
    await rm(app.root, { recursive: true, force: true });
  } else {
    await rm(app.spec, { force: true });
  }
  await writeLitestreamConfigs(paths, host, await loadApps(paths));
  return { name, purged: purge, kept: purge ? undefined : app.root };
}
