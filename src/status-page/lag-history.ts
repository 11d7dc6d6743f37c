import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { appendBoundedLine, parseJsonLines } from "../lib/json-lines.js";

/** A sample a minute, 24 h kept; the file is cut back to this when it reaches twice as many. */
export const HISTORY_POINTS = 1440;
export const HISTORY_MS = 24 * 60 * 60 * 1000;

/** Worst database lag (null: Litestream not reporting) and media lag. */
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
  return parseJsonLines<LagSample>(text, (value) => typeof value.t === "string").map((s) => ({
    t: s.t,
    lag_s: s.lag_s ?? null,
    media_lag_s: s.media_lag_s ?? null,
  }));
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

/** Keeps the last HISTORY_POINTS (at most twice as many between rewrites). */
export function appendLagSample(app: AppPaths, sample: LagSample): Promise<void> {
  return appendBoundedLine(lagHistoryPath(app), sample, HISTORY_POINTS);
}
