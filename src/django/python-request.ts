import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";

/** The Python version a release asks for, and where that was read. */
export interface PythonRequest {
  version: string;
  source: string;
}

/** Pure: `python-3.12.1`, `3.12`, `cpython-3.12` → `3.12.1`, `3.12`; else undefined. */
export function parsePythonVersion(text: string): string | undefined {
  const line = text
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .find((l) => l !== "");
  return /^(?:c?python-?)?(3\.\d+(?:\.\d+)?)$/i.exec(line ?? "")?.[1];
}

/** app.yml, then runtime.txt (Heroku's, written for the platform), then .python-version (often a
 * developer's local choice). */
export async function requestedPython(spec: AppSpec, releaseDir: string): Promise<PythonRequest | undefined> {
  if (spec.python.version) return { version: spec.python.version, source: "app.yml python.version" };
  for (const file of ["runtime.txt", ".python-version"]) {
    const text = await readFile(join(releaseDir, file), "utf8").catch(() => undefined);
    const version = text === undefined ? undefined : parsePythonVersion(text);
    if (version) return { version, source: `${file} (${text?.trim().split("\n")[0] ?? ""})` };
  }
  return undefined;
}

/** Pure: an interpreter reporting `actual` (3.12.1) satisfies `wanted` (3.12 or 3.12.1). */
export function versionMatches(wanted: string, actual: string): boolean {
  return actual === wanted || actual.startsWith(`${wanted}.`);
}

/** Pure: X.Y of a version. */
export function minorOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}
