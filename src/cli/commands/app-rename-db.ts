import type { CommandResult, Deps } from "../deps.js";
import { loadApps, requireApp } from "../../apps/registry.js";
import { checkDatabaseRename, moveDatabaseFile, renamedSpec } from "../../apps/rename-database.js";
import { saveAppSpec } from "../../config/app.js";
import { appPaths } from "../../config/paths.js";
import { checkAppRules } from "../../config/rules.js";
import { loadHostContext } from "../../host/context.js";
import { HostctlError } from "../../lib/errors.js";
import { isLitefsApp } from "../../litefs/paths.js";
import { refreshLitestreamConfigs } from "../../restore/restore-app.js";
import { callControl } from "../../supervisor/control-client.js";
import { mirrorAfterChange } from "../mirror.js";

// Litestream replicates the renamed file as a new generation; the old name's replica is kept,
// never deleted.
export async function appRenameDb(name: string, from: string, to: string, deps: Deps): Promise<CommandResult> {
  const current = await requireApp(deps.paths, name);
  if (isLitefsApp(current))
    throw new HostctlError("USAGE", `${name} is a LiteFS app: rename-db is for Litestream apps`, { exitCode: 2 });
  const file = appPaths(deps.paths, name).spec;
  const spec = renamedSpec(current, from, to, file);
  const ctx = await loadHostContext(deps);
  checkAppRules(
    spec,
    (await loadApps(deps.paths)).filter((other) => other.name !== name),
    ctx.host,
    file,
  );
  await checkDatabaseRename(spec, from, to, ctx);
  const unloaded = await callControl(deps.paths, "unload", { name, timeoutMs: 120_000 });
  if (unloaded && !unloaded.ok)
    throw new HostctlError("COMMAND_FAILED", `rename-db ${name}: stopping the app failed: ${unloaded.error}`);
  try {
    await moveDatabaseFile(spec, from, to, ctx);
    await saveAppSpec(deps.paths, spec);
    await refreshLitestreamConfigs(spec, ctx);
  } finally {
    // Started again either way: on the new name, or on the old one when the rename did not happen.
    if (unloaded) await callControl(deps.paths, "load", { name, timeoutMs: 30_000 });
  }
  await mirrorAfterChange(deps);
  return {
    text: `${name}: renamed database ${from} to ${to}${unloaded ? "; the app runs on it again" : ""} (Litestream replicates it under the new name; the old replica is kept)`,
    data: { app: name, from, to, supervised: unloaded !== undefined },
  };
}
