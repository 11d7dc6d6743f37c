import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** A fresh temp directory, removed by cleanupTempDirs() in afterAll (kept when KEEP_TMP is set, for a post-mortem). */
export async function tempDir(label = "hostctl"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${label}-`));
  made.push(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  if (process.env.KEEP_TMP) return;
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
