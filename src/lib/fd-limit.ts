import { readFileSync } from "node:fs";

/**
 * This process's soft limit on open files, from /proc/self/limits (Node raises it to the hard limit at
 * start, so this is what `ulimit -n` or the unit's LimitNOFILE allows); undefined where /proc cannot tell.
 */
export function openFilesLimit(limits = "/proc/self/limits"): number | undefined {
  let text: string;
  try {
    text = readFileSync(limits, "utf8");
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined || soft === "unlimited") return undefined;
  const value = Number(soft);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Below this the supervisor warns at start: Litestream, apps' pipes, S3 and the front door share it. */
export const LOW_OPEN_FILES = 1024;
