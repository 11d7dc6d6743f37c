import { open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";

/** One sample a minute, 24 h kept: the file is rewritten down to this many lines when it reaches twice as many. */
export const HISTORY_POINTS = 1440;
export const HISTORY_MS = 24 * 60 * 60 * 1000;

/** One minute's sample: the worst database lag (null: unknown, Litestream not reporting) and the media lag. */
export interface LagSample {
  t: string;
  lag_s: number | null;
  media_lag_s: number | null;
}

export function lagHistoryPath(app: AppPaths): string {
  return join(app.root, "lag-history.jsonl");
}

/** Pure: history text → samples, oldest first, skipping a torn last line. */
export function parseLagHistory(text: string): LagSample[] {
  const out: LagSample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value = JSON.parse(line) as LagSample;
      if (typeof value.t === "string") out.push({ t: value.t, lag_s: value.lag_s ?? null, media_lag_s: value.media_lag_s ?? null });
    } catch {
      // a torn last line after a crash
    }
  }
  return out;
}

/** Pure: the samples of the 24 h before `now`. */
export function lastDay(samples: readonly LagSample[], now: Date): LagSample[] {
  const from = now.getTime() - HISTORY_MS;
  return samples.filter((s) => Date.parse(s.t) > from && Date.parse(s.t) <= now.getTime()).slice(-HISTORY_POINTS);
}

export async function readLagHistory(app: AppPaths, now: Date): Promise<LagSample[]> {
  const text = await readFile(lagHistoryPath(app), "utf8").catch(() => "");
  return lastDay(parseLagHistory(text), now);
}

/**
 * Appends one sample (one O_APPEND write: a crash leaves at worst a torn last line). The file stays bounded:
 * at 2 × HISTORY_POINTS lines it is rewritten (temp + rename) down to the last HISTORY_POINTS.
 */
export async function appendLagSample(app: AppPaths, sample: LagSample): Promise<void> {
  const file = lagHistoryPath(app);
  const handle = await open(file, "a", 0o644);
  try {
    await handle.write(`${JSON.stringify(sample)}\n`);
  } finally {
    await handle.close();
  }
  const text = await readFile(file, "utf8");
  const lines = text.split("\n").filter((l) => l !== "");
  if (lines.length < HISTORY_POINTS * 2) return;
  const temp = `${file}.tmp`;
  const out = await open(temp, "w", 0o644);
  try {
    await out.write(`${lines.slice(-HISTORY_POINTS).join("\n")}\n`);
  } finally {
    await out.close();
  }
  await rename(temp, file);
}
