import { createHash } from "node:crypto";
import { mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile } from "../lib/json-file.js";
import { procStartTime } from "./process-records.js";

interface LockBody {
  pid: number;
  starttime: string;
  database: string;
}

function lockFile(dir: string, database: string): string {
  return join(dir, `replicate-${createHash("sha256").update(database).digest("hex").slice(0, 16)}.lock`);
}

/**
 * One `litestream replicate` per database, ever: two replicators on one replica path corrupt it.
 * The lock names the holding supervisor; a lock whose holder is gone (pid dead or reused) is taken over.
 */
export async function acquireReplicateLocks(dir: string, databases: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const me: Omit<LockBody, "database"> = { pid: process.pid, starttime: (await procStartTime(process.pid)) ?? "" };
  for (const database of databases) {
    const file = lockFile(dir, database);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(file, "wx", 0o600);
        await handle.writeFile(JSON.stringify({ ...me, database }));
        await handle.close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = await readJsonFile<LockBody>(file);
        const alive = holder && holder.pid !== process.pid && (await procStartTime(holder.pid)) === holder.starttime;
        if (alive) throw new HostctlError("LOCKED", `${database} is already replicated by process ${holder.pid} (lock ${file})`, { hint: "stop the other hostctl up first" });
        if (holder?.pid === process.pid) break;
        await rm(file, { force: true });
      }
    }
  }
}

export async function releaseReplicateLocks(dir: string, databases: readonly string[]): Promise<void> {
  await Promise.all(databases.map((database) => rm(lockFile(dir, database), { force: true })));
}
