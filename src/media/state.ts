import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { appPaths } from "../config/paths.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";
import type { FileStamp } from "./plan.js";

/** A cache: losing it costs re-uploads, never data. */
export interface MediaState {
  version: 1;
  files: Record<string, FileStamp>;
}

export function mediaStatePath(paths: HostPaths, app: string): string {
  return join(appPaths(paths, app).root, "media-state.json");
}

export async function readMediaState(file: string): Promise<MediaState | undefined> {
  const state = await readJsonFile<Partial<MediaState>>(file);
  if (state?.version !== 1 || typeof state.files !== "object" || state.files === null) return undefined;
  return { version: 1, files: state.files };
}

export async function writeMediaState(file: string, state: MediaState): Promise<void> {
  await writeJsonFile(file, state, 0o600);
}
