import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { appPaths } from "../config/paths.js";
import { SECRET_KEY_VAR, newSecretKey, shimEnv, usesShim } from "../django/shim.js";
import { pathExists } from "../lib/fs.js";
import { assertAppEnvFits, readAppEnv, setAppEnv } from "./env.js";
import { appProcessEnv } from "./process-env.js";
import { isDjangoKind } from "../config/kinds.js";

/**
 * A Django/Wagtail app gets a secret key in its env file (0600) when it has none: at app add, and
 * again here for an app whose env file did not come along (a recovered host without the env key).
 */
export async function ensureSecretKey(paths: HostPaths, spec: AppSpec): Promise<boolean> {
  if (!usesShim(spec)) return false;
  const env = await readAppEnv(paths, spec.name);
  if (env[SECRET_KEY_VAR] || env.SECRET_KEY) return false;
  await setAppEnv(paths, spec.name, { [SECRET_KEY_VAR]: newSecretKey() });
  return true;
}

/**
 * The full environment of a process of one release: the app's env file, what hostctl owns, the
 * venv first on PATH, and for Django/Wagtail the settings shim. Every app process (web, workers,
 * release phase, jobs, hostctl run) gets exactly this.
 */
export async function releaseProcessEnv(
  paths: HostPaths,
  spec: AppSpec,
  releaseDir: string,
  port?: number,
): Promise<Record<string, string>> {
  await ensureSecretKey(paths, spec);
  const appEnv = await assertAppEnvFits(paths, spec.name);
  const hasVenv = isDjangoKind(spec.kind) || (await pathExists(join(releaseDir, ".venv")));
  const base = appProcessEnv({
    spec,
    app: appPaths(paths, spec.name),
    releaseDir,
    appEnv,
    hasVenv,
    port,
  });
  return { ...base, ...(await shimEnv(spec, releaseDir, appEnv)) };
}

/** A release's interpreter: its virtualenv's python when it has one, else the app's configured interpreter. */
export async function releasePython(spec: AppSpec, releaseDir: string): Promise<string> {
  const venv = join(releaseDir, ".venv", "bin", "python");
  return (await pathExists(venv)) ? venv : spec.python.interpreter;
}
