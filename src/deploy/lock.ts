import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import type { HostPaths } from "../config/paths.js";
import { assertAppName } from "../config/app-name.js";
import { pathInside } from "../lib/safe-path.js";
import { HostctlError } from "../lib/errors.js";
import { writeFileAtomic } from "../lib/fs.js";
import { groupAlive } from "../lib/process-group.js";

export interface LockHolder {
  pid: number;
  started_at: string;
  ref: string;
  command: string;
  /** Process groups the deploy ran: the lock is held until they are gone. */
  children?: number[];
}

export interface DeployLock {
  path: string;
  /** A killed deploy keeps the lock while what it started still runs. */
  cover(pgid: number): Promise<void>;
  release(): Promise<void>;
}

export function lockPath(paths: HostPaths, app: string): string {
  return pathInside(paths.locks, `deploy-${assertAppName(app)}.lock`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The groups of a holder's programs that still run (a killed deploy's migration). */
function runningChildren(holder: LockHolder): number[] {
  return (holder.children ?? []).filter((pgid) => groupAlive(pgid));
}

function isHeld(holder: LockHolder): boolean {
  return isAlive(holder.pid) || runningChildren(holder).length > 0;
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}

/** link(2) of a fully written temp file: the lock appears atomically, complete, or not at all. */
async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, `${JSON.stringify(holder)}\n`, { mode: 0o644 });
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** If two deploys race, only one rename finds the file; a live holder's fresh lock is put back. */
async function takeOver(path: string, stale: LockHolder): Promise<void> {
  const aside = `${path}.stale-${stale.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readHolder(aside);
  if (moved && moved.started_at !== stale.started_at && isHeld(moved)) {
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

function describe(app: string, holder: LockHolder, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(holder.started_at)) / 1000));
  const orphans = runningChildren(holder);
  if (!isAlive(holder.pid) && orphans.length > 0) {
    return `a deploy of ${app} (pid ${holder.pid}, ${holder.command}, ref ${holder.ref}) ended at some point after ${holder.started_at}, but a program it started still runs: process group ${orphans.join(", ")}`;
  }
  return `another deploy of ${app} is running: pid ${holder.pid} (${holder.command}, ref ${holder.ref}), started ${holder.started_at} (${seconds}s ago)`;
}

/** One deploy (or rollback) per app at a time. A lock whose pid is dead is taken over. */
export async function acquireDeployLock(
  paths: HostPaths,
  app: string,
  holder: LockHolder,
  now: Date,
): Promise<DeployLock> {
  await mkdir(paths.locks, { recursive: true });
  const path = lockPath(paths, app);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(path, holder)) {
      const ours: LockHolder = { ...holder, children: [] };
      // Rewrites are serialized, so the last one holds every group.
      let writing = Promise.resolve();
      const cover = (pgid: number) =>
        (writing = writing.then(async () => {
          ours.children = [...(ours.children ?? []).filter((c) => groupAlive(c)), pgid];
          await writeFileAtomic(path, `${JSON.stringify(ours)}\n`, 0o644);
        }));
      return {
        path,
        cover,
        release: async () => {
          await writing.catch(() => undefined);
          await releaseIfOurs(path, holder);
        },
      };
    }
    const current = await readHolder(path);
    if (current && isHeld(current)) {
      const orphans = runningChildren(current);
      const hint =
        !isAlive(current.pid) && orphans.length > 0
          ? `wait for it to end, or end it: kill -TERM -${orphans.join(" -")}`
          : `wait for it to finish, or check: ps -p ${current.pid}`;
      throw new HostctlError("DEPLOY_LOCKED", describe(app, current, now), { hint });
    }
    await takeOver(path, current ?? { pid: 0, started_at: "", ref: "", command: "" });
  }
  throw new HostctlError("DEPLOY_LOCKED", `could not take the deploy lock ${path}`, {
    hint: `if no deploy is running, remove ${path}`,
  });
}

async function releaseIfOurs(path: string, holder: LockHolder): Promise<void> {
  const current = await readHolder(path);
  if (current && current.pid === holder.pid && current.started_at === holder.started_at)
    await rm(path, { force: true });
}
