import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile } from "../lib/json-file.js";
import { procStartTime } from "./process-records.js";

export interface SupervisorRecord {
  pid: number;
  starttime: string;
  started_at: string;
}

export function supervisorLockPath(paths: HostPaths): string {
  return join(paths.run, "supervisor.json");
}

/** The `hostctl up` that holds this host directory, when it is alive (its pid and start time match). */
export async function runningSupervisor(paths: HostPaths): Promise<SupervisorRecord | undefined> {
  const holder = await readJsonFile<SupervisorRecord>(supervisorLockPath(paths));
  return holder && (await procStartTime(holder.pid)) === holder.starttime ? holder : undefined;
}

/** One `hostctl up` per host directory. A record left by a SIGKILLed supervisor is stale and taken over. */
export async function acquireSupervisorLock(paths: HostPaths): Promise<() => Promise<void>> {
  const file = supervisorLockPath(paths);
  const me: SupervisorRecord = { pid: process.pid, starttime: (await procStartTime(process.pid)) ?? "", started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = await runningSupervisor(paths);
      if (holder) {
        throw new HostctlError("SUPERVISOR_RUNNING", `hostctl up is already running for ${paths.home} (pid ${holder.pid}, since ${holder.started_at})`, { hint: "run: hostctl status" });
      }
      await rm(file, { force: true });
    }
  }
  throw new HostctlError("SUPERVISOR_RUNNING", `could not take ${file}`);
}
