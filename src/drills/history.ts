import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { DrillResult } from "./result.js";
import { isMissing } from "../lib/fs-errors.js";

/** One O_APPEND write per line is not torn by a concurrent appender; a crash leaves at worst a
 * partial last line, which readDrills skips. */
export async function appendDrill(file: string, result: DrillResult): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, "a", 0o644);
  try {
    await handle.write(`${JSON.stringify(result)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Pure: oldest first, skipping lines that are not whole JSON objects. */
export function parseDrills(text: string): DrillResult[] {
  const out: DrillResult[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value = JSON.parse(line) as DrillResult;
      if (typeof value === "object" && value !== null && typeof value.app === "string") out.push(value);
    } catch {
      // a torn last line after a crash
    }
  }
  return out;
}

/** The last `last` drills of one history file (all when undefined), oldest first. */
export async function readDrills(file: string, last?: number): Promise<DrillResult[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const all = parseDrills(text);
  return last === undefined ? all : all.slice(Math.max(0, all.length - last));
}

/** Pure: the newest drill that actually ran (skipped ones are records, not verdicts). */
export function lastVerdict(history: readonly DrillResult[]): DrillResult | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const drill = history[i];
    if (drill && !drill.skipped) return drill;
  }
  return undefined;
}

/** Pure: quick_check is allowed between full checks. */
export function lastFullIntegrity(history: readonly DrillResult[], dbPath: string): Date | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const db = history[i]?.databases.find((d) => d.path === dbPath);
    if (db?.integrity === "full" && db.checks.some((c) => c.name === "integrity" && c.ok))
      return new Date(history[i]?.started_at ?? 0);
  }
  return undefined;
}
