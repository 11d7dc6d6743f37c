import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";

/** What `up` remembers about a recovered app until its first deploy: the commit that was live. */
export interface RecoveryState {
  recover_commit?: string;
  missing_env_keys?: string[];
}

export async function readRecoveryState(ctx: HostContext, app: string): Promise<RecoveryState> {
  return (await readJsonFile<RecoveryState>(appPaths(ctx.paths, app).state)) ?? {};
}

export async function clearRecoveryCommit(ctx: HostContext, app: string): Promise<void> {
  const file = appPaths(ctx.paths, app).state;
  const state = (await readJsonFile<Record<string, unknown>>(file)) ?? {};
  delete state.recover_commit;
  await writeJsonFile(file, state);
}
