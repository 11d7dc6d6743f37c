import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { writeFileAtomic } from "../lib/fs.js";
import { isMissing } from "../lib/fs-errors.js";

export function hostIdPath(paths: HostPaths): string {
  return join(paths.home, "host-id");
}

// Kept per host directory, so a restart after a crash renews its own lease instead of waiting out
// the TTL, while a new VPS is a different host. A copied host directory shares the id.
export async function loadHostId(paths: HostPaths): Promise<string> {
  const existing = await readHostId(paths);
  if (existing) return existing;
  const id = randomUUID();
  await writeFileAtomic(hostIdPath(paths), `${id}\n`, 0o644);
  return id;
}

/** This host's id, or undefined before its first `hostctl up`. */
export async function readHostId(paths: HostPaths): Promise<string | undefined> {
  try {
    const id = (await readFile(hostIdPath(paths), "utf8")).trim();
    return id === "" ? undefined : id;
  } catch (error) {
    if (!isMissing(error)) throw error;
    return undefined;
  }
}
