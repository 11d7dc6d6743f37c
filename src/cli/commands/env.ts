import type { CommandResult, Deps } from "../deps.js";
import { requireApp } from "../../apps/registry.js";
import { parseAssignments, readAppEnv, setAppEnv, unsetAppEnv } from "../../apps/env.js";
import { formatEnvValue, parseEnvText } from "../../lib/env-format.js";
import { usageError } from "../../lib/errors.js";
import { mirrorAfterChange } from "../mirror.js";

export interface EnvSetOptions {
  stdin?: boolean;
  /** What --stdin read: the CLI reads it, so the command stays a function of its input. */
  stdinText?: string;
}

export async function envSet(
  name: string,
  assignments: string[],
  options: EnvSetOptions,
  deps: Deps,
): Promise<CommandResult> {
  await requireApp(deps.paths, name);
  const pairs = parseAssignments(assignments);
  if (options.stdin) Object.assign(pairs, parseEnvText(options.stdinText ?? "", "stdin"));
  if (Object.keys(pairs).length === 0)
    throw usageError("nothing to set: give KEY=VALUE arguments or --stdin", `example: hostctl env set ${name} DEBUG=0`);
  const keys = await setAppEnv(deps.paths, name, pairs);
  await mirrorAfterChange(deps);
  return {
    text: `set ${keys.join(", ")} for ${name} (restart the app to apply: hostctl restart ${name})`,
    data: { app: name, set: keys },
  };
}

export async function envUnset(name: string, keys: string[], deps: Deps): Promise<CommandResult> {
  await requireApp(deps.paths, name);
  if (keys.length === 0) throw usageError("give at least one KEY to unset");
  const removed = await unsetAppEnv(deps.paths, name, keys);
  await mirrorAfterChange(deps);
  return {
    text:
      removed.length > 0
        ? `unset ${removed.join(", ")} for ${name}`
        : `none of ${keys.join(", ")} were set for ${name}`,
    data: { app: name, unset: removed },
  };
}

/** Lists keys only unless asked: values are secrets and terminals are logged. */
export interface EnvListOptions {
  values?: boolean;
}

export async function envList(name: string, options: EnvListOptions, deps: Deps): Promise<CommandResult> {
  await requireApp(deps.paths, name);
  const env = await readAppEnv(deps.paths, name);
  const keys = Object.keys(env).sort();
  // The env file's own quoting, so `env list --values | env set --stdin` round-trips unchanged.
  const text = keys.map((key) => (options.values ? `${key}=${formatEnvValue(env[key] ?? "")}` : key)).join("\n");
  return { text: keys.length === 0 ? `no variables set for ${name}` : text, data: options.values ? env : keys };
}
