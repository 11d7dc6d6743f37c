import { availableParallelism } from "node:os";
import { join } from "node:path";
import { gunicornTarget, inspectProject } from "./project.js";

/** Pure: loopback only (the front door is public); cores + 1 workers, since SQLite serialises
 * writes and more mostly add memory. Logs go to stdout/stderr, kept in logs/web.log. */
export function gunicornCommand(venv: string, wsgiApplication: string, cpus: number): string {
  return [
    join(venv, "bin", "gunicorn"),
    gunicornTarget(wsgiApplication),
    "--bind",
    "127.0.0.1:$PORT",
    "--workers",
    String(Math.max(2, cpus + 1)),
    "--access-logfile",
    "-",
    "--error-logfile",
    "-",
  ].join(" ");
}

/** The inferred web command of a release, or undefined when WSGI_APPLICATION cannot be found. */
export async function inferWebCommand(
  releaseDir: string,
  settingsOverride: string | undefined,
): Promise<string | undefined> {
  const project = await inspectProject(
    releaseDir,
    settingsOverride ? { module: settingsOverride, source: "app.yml" } : undefined,
  );
  if (!project.wsgiApplication) return undefined;
  return gunicornCommand(join(releaseDir, ".venv"), project.wsgiApplication, availableParallelism());
}
