import { join } from "node:path";
import type { CommandResult, Deps } from "../deps.js";
import { liveReleaseDir, requireDatabases } from "../../apps/run-preconditions.js";
import { requireApp } from "../../apps/registry.js";
import { releaseProcessEnv } from "../../apps/release-env.js";
import { usageError } from "../../lib/errors.js";
import { runAttached } from "../../lib/spawn.js";

const NOT_INHERITED =
  /^(PATH|PYTHONPATH|PYTHONHOME|PYTHONSTARTUP|VIRTUAL_ENV|DJANGO_SETTINGS_MODULE|HOSTCTL_.*|AWS_.*|LITESTREAM_.*)$/;

// Keeps TERM and DJANGO_SUPERUSER_PASSWORD-style variables, minus what would point Python
// elsewhere or leak hostctl's credentials; the app's environment is laid over it.
export function callerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !NOT_INHERITED.test(e[0])),
  );
}

/** `hostctl run NAME CMD…`: CMD in the live release with the app's env, venv first on PATH. */
export async function runInApp(
  name: string,
  argv: readonly string[],
  deps: Deps,
  what = argv.join(" "),
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined)
    throw usageError(
      "missing command: hostctl run NAME [--] CMD [ARGS…]",
      `example: hostctl run ${name} -- python manage.py check`,
    );
  const spec = await requireApp(deps.paths, name);
  const releaseDir = await liveReleaseDir(deps.paths, spec);
  await requireDatabases(deps.paths, spec, what);
  const env = await releaseProcessEnv(deps.paths, spec, releaseDir);
  const exitCode = await runAttached(file, args, { cwd: releaseDir, env: { ...callerEnv(deps.env), ...env } });
  return { text: "", exitCode };
}

function python(releaseDir: string): string {
  return join(releaseDir, ".venv", "bin", "python");
}

/** `hostctl manage NAME ARGS…` = python manage.py ARGS in the live release. */
export async function manage(name: string, args: readonly string[], deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  const releaseDir = await liveReleaseDir(deps.paths, spec);
  return runInApp(name, [python(releaseDir), "manage.py", ...args], deps, `manage.py ${args.join(" ")}`);
}

/** `hostctl shell NAME` = manage.py shell. */
export async function shell(name: string, deps: Deps): Promise<CommandResult> {
  return manage(name, ["shell"], deps);
}
