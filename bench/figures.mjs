// Trustworthy figures on a noisy machine: both sides measured in the same run, rounds alternating which side
// goes first, min and median of each side, ratios on medians and on minimums, one row per figure appended to
// the file named by $BENCH_RESULTS (bench/run.mjs collects the rows into one table and into the docs).
import { appendFileSync } from "node:fs";

/** `npm run bench -- --quick`: few rounds, small sizes (bench/run.mjs sets it). */
export const QUICK = process.env.BENCH_QUICK === "1";

/** `npm run bench -- --cores N`: every process of both sides pinned to N cores (bench/run.mjs sets it). */
export const CORES = Number(process.env.BENCH_CORES ?? 0);

/** A target that differs on one core, where no idle core hides hostctl's own work beside the raw steps'. */
export function coreTarget(twoCores, oneCore) {
  return CORES === 1 ? oneCore : twoCores;
}

/** Rounds for a bench: $BENCH_ROUNDS, else `quick` under --quick, else `full`. */
export function rounds(full, quick) {
  return Number(process.env.BENCH_ROUNDS ?? (QUICK ? quick : full));
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, min: sorted[0], median };
}

async function timeOnce(fn) {
  const start = process.hrtime.bigint();
  const measured = await fn();
  // A side may time itself (e.g. up to the first 200, not its shutdown) by returning milliseconds.
  return typeof measured === "number" ? measured : Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs `ours` and `raw` (and `also`, a second raw side, when given) for `n` rounds, rotating which goes first
 * (AB, BA, … or ABC, BCA, CAB, …) so a slow spell of the machine lands on every side alike. Returns each
 * side's milliseconds.
 */
export async function alternate(n, ours, raw, also) {
  const sides = [ours, raw, ...(also ? [also] : [])];
  const times = sides.map(() => []);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < sides.length; k++) {
      const side = (i + k) % sides.length;
      times[side].push(await timeOnce(sides[side]));
    }
  return { ours: times[0], raw: times[1], also: times[2] };
}

/**
 * One figure of the table. kind "ratio": ours vs raw, target is the highest ratio accepted; kind "limit": ours
 * alone, target is the highest value accepted (e.g. 80 MB); kind "info": no target (with or without a raw side).
 */
export function record({ bench, figure, unit = "ms", ours, raw, rawLabel, target, kind = raw ? "ratio" : "limit" }) {
  const row = { bench, figure, unit, kind, target, rawLabel, ours: stats(ours), raw: raw ? stats(raw) : undefined };
  console.log(formatRow(row));
  if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(row)}\n`);
  return row;
}

/** Median ratio and min ratio (ratio rows), or value / limit (limit rows). */
export function ratios(row) {
  if (row.raw) return { median: row.ours.median / row.raw.median, min: row.ours.min / row.raw.min };
  if (row.kind === "limit") return { median: row.ours.median / row.target, min: row.ours.min / row.target };
  return undefined;
}

/** Within target: the median ratio meets it. */
export function verdict(row) {
  const r = ratios(row);
  if (!r || row.kind === "info") return "";
  const limit = row.kind === "ratio" ? row.target : 1;
  return r.median <= limit ? "OK" : "OVER";
}

/**
 * Far outside its target (what --quick fails on): even the more favourable of the two ratios is over twice the
 * target.
 */
export function farOutside(row) {
  const r = ratios(row);
  if (!r || row.kind === "info") return false;
  return Math.min(r.median, r.min) > 2 * (row.kind === "ratio" ? row.target : 1);
}

const num = (value, unit) => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;

function formatRow(row) {
  const ours = `${num(row.ours.median, row.unit)} (min ${num(row.ours.min, row.unit)})`;
  if (row.raw) {
    const r = ratios(row);
    const target = row.kind === "ratio" ? `, target ≤ ${row.target}× ${verdict(row)}` : "";
    return `${row.bench}: ${row.figure}: hostctl ${ours} vs ${row.rawLabel ?? "raw"} ${num(row.raw.median, row.unit)} (min ${num(row.raw.min, row.unit)}) → ${r.median.toFixed(2)}× (min ${r.min.toFixed(2)}×)${target}, n=${row.ours.n}`;
  }
  if (row.kind === "limit")
    return `${row.bench}: ${row.figure}: ${ours}, target ≤ ${row.target} ${row.unit} ${verdict(row)}, n=${row.ours.n}`;
  return `${row.bench}: ${row.figure}: ${ours}, n=${row.ours.n}`;
}

/** The rows as a Markdown table (what `--write-docs` puts into docs/benchmarks.md). */
export function markdownTable(rows) {
  const lines = [
    "| bench | figure | hostctl median (min) | raw median (min) | ratio on medians (on mins) | target | |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    const r = ratios(row);
    const ours = `${num(row.ours.median, row.unit)} (${num(row.ours.min, row.unit)})`;
    const raw = row.raw
      ? `${row.rawLabel ?? "raw"}: ${num(row.raw.median, row.unit)} (${num(row.raw.min, row.unit)})`
      : "-";
    const ratio = row.raw ? `${r.median.toFixed(2)}× (${r.min.toFixed(2)}×)` : "-";
    const target =
      row.kind === "ratio" ? `≤ ${row.target}×` : row.kind === "limit" ? `≤ ${row.target} ${row.unit}` : "-";
    lines.push(`| \`${row.bench}\` | ${row.figure} | ${ours} | ${raw} | ${ratio} | ${target} | ${verdict(row)} |`);
  }
  return lines.join("\n");
}
