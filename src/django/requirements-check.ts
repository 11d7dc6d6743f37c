import type { Runner } from "../lib/exec.js";
import { CommandFailedError } from "../lib/errors.js";
import type { Finding } from "./preflight.js";

/** pip --dry-run finds a pin missing for this Python before a deploy; needs that Python's pip. */
export async function checkRequirementsResolve(
  run: Runner,
  python: string,
  releaseDir: string,
  cacheEnv: Record<string, string>,
): Promise<Finding> {
  try {
    await run(python, ["-m", "pip", "--version"], { timeoutMs: 30_000 });
  } catch {
    return {
      check: "requirements resolve",
      level: "info",
      detail: `not checked: ${python} has no pip (the deploy's build will tell)`,
    };
  }
  try {
    await run(
      python,
      [
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--no-input",
        "--disable-pip-version-check",
        "-r",
        "requirements.txt",
      ],
      { cwd: releaseDir, env: cacheEnv, timeoutMs: 10 * 60_000 },
    );
    return { check: "requirements resolve", level: "ok", detail: `every requirement resolves for ${python}` };
  } catch (error) {
    const tail =
      error instanceof CommandFailedError
        ? error.stderrTail
            .trim()
            .split("\n")
            .filter((l) => l.startsWith("ERROR"))
            .join(" ")
        : "";
    return {
      check: "requirements resolve",
      level: "error",
      detail: `pip cannot resolve requirements.txt for ${python}: ${tail || "see pip's output"}`,
    };
  }
}
