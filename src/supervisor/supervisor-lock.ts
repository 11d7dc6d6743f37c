import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile } from "../lib/json-file.js";
import { holderAlive, ownRecord, takePidLock, type PidLockRecord } from "./pid-lock.js";

export interface SupervisorRecord extends PidLockRecord {
  started_at: string;
}

export function supervisorLockPath(paths: HostPaths): string {
  return join(paths.run, "supervisor.json");
}

/** Alive only when its pid and start time match. */
export async function runningSupervisor(paths: HostPaths): Promise<SupervisorRecord | undefined> {
  const holder = await readJsonFile<SupervisorRecord>(supervisorLockPath(paths));
  return holder && (await holderAlive(holder)) ? holder : undefined;
}

/** One `up` per host directory; a record left by a SIGKILLed supervisor is taken over. */
export async function acquireSupervisorLock(paths: HostPaths): Promise<() => Promise<void>> {
  const file = supervisorLockPath(paths);
  const holder = await takePidLock(file, await ownRecord({ started_at: new Date().toISOString() }));
  if (holder) {
    throw new HostctlError(
      "SUPERVISOR_RUNNING",
      `hostctl up is already running for ${paths.home} (pid ${holder.pid}, since ${holder.started_at})`,
      { hint: "run: hostctl status" },
    );
  }
  return () => rm(file, { force: true });
}
