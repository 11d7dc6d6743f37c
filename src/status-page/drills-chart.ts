import { chartPoint, frame, niceMax, svgOpen, type Axis } from "./chart.js";
import { esc, seconds } from "./html.js";
import type { DrillPoint } from "./page-data.js";

const DAY_MS = 86_400_000;

function marker(axis: Axis, drill: DrillPoint, value: number): string {
  const [x, y] = chartPoint(axis, Date.parse(drill.at), value);
  const verdict = drill.skipped
    ? "skipped"
    : drill.ok
      ? "passed"
      : `FAILED: ${drill.failed_checks.join("; ") || "see hostctl drills"}`;
  const title = `${drill.at}: ${verdict}, RTO ${seconds(drill.rto_ms === null ? null : drill.rto_ms / 1000)}, RPO ${seconds(drill.rpo_s)}`;
  const fill = drill.skipped ? "#999" : drill.ok ? "#2a8a2a" : "#c62828";
  const shape =
    drill.ok || drill.skipped
      ? `<circle cx="${x}" cy="${y}" r="3.5" fill="${fill}"/>`
      : `<path d="M${x - 4},${y - 4}L${x + 4},${y + 4}M${x - 4},${y + 4}L${x + 4},${y - 4}" stroke="${fill}" stroke-width="2"/>`;
  return `<g class="drill" data-at="${esc(drill.at)}" data-ok="${drill.ok}" data-rto-ms="${drill.rto_ms ?? ""}" data-rpo-s="${drill.rpo_s ?? ""}"><title>${esc(title)}</title>${shape}</g>`;
}

/** Pure: RTO (blue) and RPO (orange) per drill; a failed drill's marker title names its check. */
export function drillsChart(drills: readonly DrillPoint[], now: Date): string {
  const times = drills.map((d) => Date.parse(d.at));
  const from = Math.min(now.getTime() - 7 * DAY_MS, ...times);
  const values = drills.flatMap((d) => [d.rto_ms === null ? 0 : d.rto_ms / 1000, d.rpo_s ?? 0]);
  const axis: Axis = { from, to: now.getTime(), max: niceMax(values) };
  const span = axis.to - axis.from;
  const ticks = [1, 0.5, 0].map((f): [number, string] => [
    axis.to - f * span,
    f === 0 ? "now" : `-${Math.round((f * span) / DAY_MS)}d`,
  ]);
  const line = (pick: (d: DrillPoint) => number | null, color: string, name: string) => {
    const points = drills
      .filter((d) => pick(d) !== null)
      .map((d) => chartPoint(axis, Date.parse(d.at), pick(d) ?? 0).join(","));
    return points.length > 1
      ? `<polyline class="${name}" points="${points.join(" ")}" fill="none" stroke="${color}" stroke-width="1"/>`
      : "";
  };
  const rto = (d: DrillPoint) => (d.rto_ms === null ? null : d.rto_ms / 1000);
  return (
    `${svgOpen("drills", axis, "restore drills: RTO and RPO")}${frame(axis, seconds, ticks)}` +
    `${line((d) => d.rpo_s, "#d08a00", "rpo")}${line(rto, "#1f6fd0", "rto")}` +
    `${drills.map((d) => marker(axis, d, rto(d) ?? d.rpo_s ?? 0)).join("")}</svg>`
  );
}
