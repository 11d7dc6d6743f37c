import { readFile } from "node:fs/promises";
import type { HostPaths } from "../config/paths.js";
import { appPaths } from "../config/paths.js";
import { ENV_NAME, formatEnvText, parseEnvText } from "../lib/env-format.js";
import { refuseReservedEnv } from "./env-reserved.js";
import { envSizeProblem } from "./env-size.js";
import { HostctlError, usageError } from "../lib/errors.js";
import { writeFileAtomic } from "../lib/fs.js";
import { isMissing } from "../lib/fs-errors.js";

export async function readAppEnv(paths: HostPaths, name: string): Promise<Record<string, string>> {
  try {
    const file = appPaths(paths, name).env;
    return parseEnvText(await readFile(file, "utf8"), file);
  } catch (error) {
    if (isMissing(error)) return {};
    throw error;
  }
}

/** Pure: KEY=VALUE arguments → pairs, or a usage error naming the argument. */
export function parseAssignments(args: readonly string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0)
      throw usageError(`argument "${arg}": expected KEY=VALUE`, "example: hostctl env set blog DJANGO_SECRET_KEY=...");
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (!ENV_NAME.test(key))
      throw usageError(
        `argument "${arg}": "${key}" is not a valid variable name (letters, digits, _; not starting with a digit)`,
      );
    pairs[key] = value;
  }
  return pairs;
}

/** Reserved variables and an env no process could take are refused (exit 2) before any write. */
export async function setAppEnv(paths: HostPaths, name: string, pairs: Record<string, string>): Promise<string[]> {
  refuseReservedEnv(Object.keys(pairs));
  const env = { ...(await readAppEnv(paths, name)), ...pairs };
  const tooLarge = envSizeProblem(env);
  if (tooLarge)
    throw usageError(
      tooLarge,
      "keep large data in a file under the app's data directory and put its path in the variable",
    );
  await writeFileAtomic(appPaths(paths, name).env, formatEnvText(env), 0o600);
  return Object.keys(pairs).sort();
}

/** A too-large env file (older or hand-edited) fails here, before a restart stops the old process,
 * instead of as spawn E2BIG. */
export async function assertAppEnvFits(paths: HostPaths, name: string): Promise<Record<string, string>> {
  const env = await readAppEnv(paths, name);
  const tooLarge = envSizeProblem(env);
  if (!tooLarge) return env;
  throw new HostctlError(
    "ENV_TOO_LARGE",
    `${name}: apps/${name}/env: ${tooLarge}; no process of the app was stopped or started`,
    {
      hint: `shrink it: hostctl env unset ${name} KEY (keep large data in a file under the app's data directory)`,
    },
  );
}

export async function unsetAppEnv(paths: HostPaths, name: string, keys: readonly string[]): Promise<string[]> {
  const env = await readAppEnv(paths, name);
  const removed = keys.filter((key) => key in env);
  for (const key of keys) delete env[key];
  await writeFileAtomic(appPaths(paths, name).env, formatEnvText(env), 0o600);
  return removed;
}
