import { statfs } from "node:fs/promises";
import { CommandFailedError, HostctlError } from "./errors.js";

/** Below this free space, log lines, databases and releases stop fitting. */
export const DISK_FULL_BYTES = 1024 * 1024;

export interface DiskSpace {
  path: string;
  free_bytes: number;
  total_bytes: number;
  full: boolean;
}

/** Free space for unprivileged writers; undefined when it cannot be read. */
export async function diskSpace(path: string): Promise<DiskSpace | undefined> {
  try {
    const s = await statfs(path);
    const free = s.bavail * s.bsize;
    return { path, free_bytes: free, total_bytes: s.blocks * s.bsize, full: free < DISK_FULL_BYTES };
  } catch {
    return undefined;
  }
}

const DISK_ERRORS = new Set(["ENOSPC", "EDQUOT"]);

/** A full disk is an operational failure with a next step, not an internal error with a stack. */
export function diskFullError(error: unknown, home: string): HostctlError | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== "object" || !DISK_ERRORS.has(e.code ?? "")) return undefined;
  const where = e.path ? ` writing ${e.path}` : "";
  return new HostctlError("DISK_FULL", `no space left on the device${where}`, {
    cause: error,
    hint: `free space on the filesystem of ${home} (df -h ${home}; old releases: hostctl releases NAME), then run the command again`,
  });
}

/** How git, tar and SQLite say ENOSPC/EDQUOT on stderr. */
const NO_SPACE = /No space left on device|Disk quota exceeded/;

/** DISK_FULL with the program's own stderr line when it failed for a full disk, else undefined. */
export function commandDiskFull(error: unknown, dir: string): HostctlError | undefined {
  if (!(error instanceof CommandFailedError)) return undefined;
  const line = error.stderrTail.split("\n").find((l) => NO_SPACE.test(l));
  if (line === undefined) return undefined;
  return new HostctlError(
    "DISK_FULL",
    `no space left on the device: ${error.argv[0] ?? "a program"} said "${line.trim()}"`,
    {
      cause: error,
      hint: `free space on the filesystem of ${dir} (df -h ${dir}; old releases: hostctl releases NAME), then run the command again`,
    },
  );
}
