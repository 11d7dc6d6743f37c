import { readFileSync } from "node:fs";

// Node raises the soft limit to the hard one at start, so this is what LimitNOFILE allows.
// Undefined where /proc cannot tell.
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

/** Litestream, the apps' pipes, S3 and the front door share this limit. */
export const LOW_OPEN_FILES = 1024;
