import { open, rm } from "node:fs/promises";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile } from "../lib/json-file.js";
import { procStartTime } from "./process-records.js";

/** Who holds a lock file: a pid and its start time (a pid alone may have been reused). */
export interface PidLockRecord {
  pid: number;
  starttime: string;
}

/** The record of this process, with `body`. */
export async function ownRecord<T extends object>(body: T): Promise<T & PidLockRecord> {
  return { ...body, pid: process.pid, starttime: (await procStartTime(process.pid)) ?? "" };
}

/** Whether the process that wrote the record still runs (same pid, same start time). */
export async function holderAlive(record: PidLockRecord): Promise<boolean> {
  return (await procStartTime(record.pid)) === record.starttime;
}

// A file whose holder is gone (pid dead or reused) is taken over. Undefined once held, else the
// live holder's record; `reentrant`: a file this process wrote counts as held.
export async function takePidLock<T extends PidLockRecord>(
  file: string,
  record: T,
  options: { reentrant?: boolean } = {},
): Promise<T | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(JSON.stringify(record));
      await handle.close();
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = await readJsonFile<T>(file);
      if (holder?.pid === process.pid) return options.reentrant ? undefined : holder;
      if (holder && (await holderAlive(holder))) return holder;
      await rm(file, { force: true });
    }
  }
  throw new HostctlError("LOCKED", `could not take ${file}: it came back after its stale holder's copy was removed`, {
    hint: "another process is taking it at the same moment; try again",
  });
}
