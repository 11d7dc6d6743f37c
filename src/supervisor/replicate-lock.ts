import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { HostctlError } from "../lib/errors.js";
import { ownRecord, takePidLock } from "./pid-lock.js";

function lockFile(dir: string, database: string): string {
  return join(dir, `replicate-${createHash("sha256").update(database).digest("hex").slice(0, 16)}.lock`);
}

// Two replicators on one replica path corrupt it. A lock whose holder is gone (pid dead or
// reused) is taken over.
export async function acquireReplicateLocks(dir: string, databases: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const database of databases) {
    const file = lockFile(dir, database);
    const holder = await takePidLock(file, await ownRecord({ database }), { reentrant: true });
    if (holder)
      throw new HostctlError("LOCKED", `${database} is already replicated by process ${holder.pid} (lock ${file})`, {
        hint: "stop the other hostctl up first",
      });
  }
}

export async function releaseReplicateLocks(dir: string, databases: readonly string[]): Promise<void> {
  await Promise.all(databases.map((database) => rm(lockFile(dir, database), { force: true })));
}
