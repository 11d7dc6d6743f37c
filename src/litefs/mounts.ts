import { readFile } from "node:fs/promises";
import type { Runner } from "../lib/exec.js";

/** Pure: the mount points of a /proc/self/mountinfo text, with its octal escapes (\040 a space) undone. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point !== undefined && point !== "")
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

export async function isMounted(path: string): Promise<boolean> {
  const table = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  return mountPoints(table).includes(path);
}

// Lazy: detached now, gone once the last file held open in it is closed.
export async function unmountLazily(run: Runner, path: string): Promise<void> {
  await run("fusermount3", ["-u", "-z", path], { timeoutMs: 10_000 });
}
