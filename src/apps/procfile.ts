import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import { inferWebCommand } from "../django/web-command.js";

/** Pure: Procfile text → process type → command line. */
export function parseProcfile(text: string): Record<string, string> {
  const processes: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const match = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(raw.trim());
    if (match?.[1] && match[2]) processes[match[1]] = match[2].trim();
  }
  return processes;
}

/** A Procfile overrides the spec; lacking `web`, Django/Wagtail get gunicorn (WSGI_APPLICATION). */
export async function releaseProcesses(spec: AppSpec, releaseDir: string | undefined): Promise<Record<string, string>> {
  const declared = await declaredProcesses(spec, releaseDir);
  if (declared.web !== undefined || !releaseDir || (spec.kind !== "django" && spec.kind !== "wagtail")) return declared;
  const web = await inferWebCommand(releaseDir, spec.django.settings);
  return web === undefined ? declared : { ...declared, web };
}

/** A Procfile in the release overrides the app spec's processes (Heroku/Piku convention). */
export async function declaredProcesses(
  spec: AppSpec,
  releaseDir: string | undefined,
): Promise<Record<string, string>> {
  if (releaseDir) {
    try {
      const fromFile = parseProcfile(await readFile(join(releaseDir, "Procfile"), "utf8"));
      if (Object.keys(fromFile).length > 0) return fromFile;
    } catch {
      // No Procfile: the spec's processes apply.
    }
  }
  return { ...spec.processes };
}

/** Long-running processes only: `release` is the release phase, not a service. */
export function serviceProcesses(processes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(processes).filter(([type]) => type !== "release"));
}
