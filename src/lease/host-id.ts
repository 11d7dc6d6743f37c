import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { writeFileAtomic } from "../lib/fs.js";

export function hostIdPath(paths: HostPaths): string {
  return join(paths.home, "host-id");
}

/**
 * This host's identity in the lease: made once per host directory and kept, so a supervisor restarted on
 * the same host (after a crash, without a release) renews its own lease instead of waiting out the TTL,
 * while a fresh host directory (a new VPS) is a different host. A copied host directory shares the id.
 */
export async function loadHostId(paths: HostPaths): Promise<string> {
  const file = hostIdPath(paths);
  try {
    const id = (await readFile(file, "utf8")).trim();
    if (id !== "") return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const id = randomUUID();
  await writeFileAtomic(file, `${id}\n`, 0o644);
  return id;
}
