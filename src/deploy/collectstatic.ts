import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import type { Runner } from "../lib/exec.js";
import { CommandFailedError } from "../lib/errors.js";
import { isDjangoKind } from "../config/kinds.js";

const COLLECT_TIMEOUT_MS = 30 * 60_000;
const OPT_OUT_VAR = "DISABLE_COLLECTSTATIC";

export type CollectOutcome = "collected" | "disabled" | "no staticfiles app";

/** Pure: why collectstatic is skipped, or undefined (Heroku's rule: DISABLE_COLLECTSTATIC=1). */
export function collectstaticOptOut(spec: AppSpec, env: Record<string, string>): string | undefined {
  if (!isDjangoKind(spec.kind)) return "not a Django app";
  if (!spec.django.collectstatic) return "django.collectstatic: false in app.yml";
  const flag = env[OPT_OUT_VAR];
  if (flag !== undefined && flag !== "" && flag !== "0") return `${OPT_OUT_VAR}=${flag} in the app's env`;
  return undefined;
}

/** Opens no database, so it runs at build; a project without staticfiles is not a failure. */
export async function collectStatic(
  run: Runner,
  releaseDir: string,
  env: Record<string, string>,
  onOutput: (chunk: string) => void,
): Promise<CollectOutcome> {
  const python = join(releaseDir, ".venv", "bin", "python");
  try {
    await run(python, ["manage.py", "collectstatic", "--noinput"], {
      cwd: releaseDir,
      env,
      cleanEnv: true,
      timeoutMs: COLLECT_TIMEOUT_MS,
      onOutput,
    });
    return "collected";
  } catch (error) {
    if (error instanceof CommandFailedError && isUnknownCommand(error.stderrTail)) return "no staticfiles app";
    throw error;
  }
}

/** Pure: Django's answer to a management command that no installed app provides. */
export function isUnknownCommand(output: string): boolean {
  return /Unknown command: '?collectstatic'?/.test(output);
}
