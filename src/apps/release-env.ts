import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { appPaths } from "../config/paths.js";
import { SECRET_KEY_VAR, newSecretKey, shimEnv, usesShim } from "../django/shim.js";
import { pathExists } from "../lib/fs.js";
import { assertAppEnvFits, readAppEnv, setAppEnv } from "./env.js";
import { appProcessEnv } from "./process-env.js";
import { isDjangoKind } from "../config/kinds.js";

/** Also here, not only at app add: a recovered host may lack the env file. */
export async function ensureSecretKey(paths: HostPaths, spec: AppSpec): Promise<boolean> {
  if (!usesShim(spec)) return false;
  const env = await readAppEnv(paths, spec.name);
  if (env[SECRET_KEY_VAR] || env.SECRET_KEY) return false;
  await setAppEnv(paths, spec.name, { [SECRET_KEY_VAR]: newSecretKey() });
  return true;
}

/** Every app process (web, workers, release phase, jobs, hostctl run) gets exactly this. */
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

/** The venv's python when there is one, else the app's configured interpreter. */
export async function releasePython(spec: AppSpec, releaseDir: string): Promise<string> {
  const venv = join(releaseDir, ".venv", "bin", "python");
  return (await pathExists(venv)) ? venv : spec.python.interpreter;
}
