import { mkdir, readFile } from "node:fs/promises";
import { engineOf } from "../litestream/select.js";
import type { HostContext } from "../host/context.js";
import { scanApps } from "../apps/registry.js";
import { validateAppSpec } from "../config/app.js";
import { saveAppSpec } from "../config/app.js";
import { appPaths } from "../config/paths.js";
import { checkAppRules } from "../config/rules.js";
import { errorMessage } from "../lib/errors.js";
import { pathExists, writeFileAtomic } from "../lib/fs.js";
import { ensurePrivateDirs } from "../apps/private-files.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";
import { writeLitestreamConfigs } from "../litestream/config-files.js";
import { decryptEnv } from "./env-crypto.js";
import { readRegistry } from "./mirror.js";

export interface RecoveredApp {
  name: string;
  commit: string | undefined;
  env: "restored" | "none" | "missing";
  missing_env_keys: string[];
}

async function privateKey(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env.HOSTCTL_ENV_KEY_FILE) return (await readFile(env.HOSTCTL_ENV_KEY_FILE, "utf8")).trim();
  return env.HOSTCTL_ENV_PRIVATE_KEY;
}

/** Unknown apps are registered with their env (decrypted with the operator's key, if given) and
 * the live commit, which the first deploy uses instead of the branch head. */
export async function recoverApps(ctx: HostContext): Promise<RecoveredApp[]> {
  // An app.yml failing its checks is still this host's: reported, never replaced from the registry.
  const { apps: known, invalid } = await scanApps(ctx.paths);
  const entries = await readRegistry(ctx);
  const key = await privateKey(ctx.env);
  const recovered: RecoveredApp[] = [];
  const all = [...known];
  for (const entry of entries) {
    if (all.some((app) => app.name === entry.spec.name) || invalid.some((app) => app.name === entry.spec.name))
      continue;
    let spec;
    let paths;
    try {
      // Validated before any path is built: name and repo come from the replica target.
      spec = validateAppSpec(entry.spec, `${ctx.store.url}/_hostctl/registry/${String(entry.spec.name)}.json`);
      paths = appPaths(ctx.paths, spec.name);
      checkAppRules(spec, all, ctx.host, paths.spec);
    } catch (error) {
      ctx.log.error(
        { event: "registry.entry_invalid", app: entry.spec.name, reason: errorMessage(error) },
        "skipped an app of the registry",
      );
      continue;
    }
    await Promise.all([paths.logs, paths.releases].map((dir) => mkdir(dir, { recursive: true })));
    await ensurePrivateDirs(paths);
    let envState: RecoveredApp["env"] = entry.env_keys.length === 0 ? "none" : "missing";
    let envText = "";
    if (entry.env && key) {
      envText = decryptEnv(entry.env, key);
      envState = "restored";
    }
    if (!(await pathExists(paths.env))) await writeFileAtomic(paths.env, envText, 0o600);
    const missing = envState === "missing" ? entry.env_keys : [];
    await writeJsonFile(paths.state, {
      ...(await readJsonFile<object>(paths.state)),
      recover_commit: entry.live?.commit,
      missing_env_keys: missing,
    });
    await saveAppSpec(ctx.paths, spec);
    all.push(spec);
    recovered.push({ name: spec.name, commit: entry.live?.commit, env: envState, missing_env_keys: missing });
  }
  if (recovered.length > 0) await writeLitestreamConfigs(ctx.paths, ctx.host, all, { engine: engineOf(ctx) });
  return recovered;
}
