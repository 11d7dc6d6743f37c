import { chartPoint, frame, niceMax, svgOpen, type Axis } from "./chart.js";
import { HISTORY_MS, type LagSample } from "./lag-history.js";
import { seconds } from "./html.js";

type Series = "lag_s" | "media_lag_s";

/** Pure: an unknown value (null) or a gap of over 3 minutes breaks the line. */
function lines(axis: Axis, samples: readonly LagSample[], series: Series, color: string): string {
  const runs: string[][] = [];
  let run: string[] = [];
  let last = -Infinity;
  for (const sample of samples) {
    const t = Date.parse(sample.t);
    const v = sample[series];
    if (v === null || t - last > 180_000) {
      if (run.length > 0) runs.push(run);
      run = [];
    }
    last = t;
    if (v !== null) run.push(chartPoint(axis, t, v).join(","));
  }
  if (run.length > 0) runs.push(run);
  return runs
    .map((points) =>
      points.length === 1
        ? `<circle class="${series}" cx="${points[0]?.split(",")[0]}" cy="${points[0]?.split(",")[1]}" r="1.5" fill="${color}"/>`
        : `<polyline class="${series}" points="${points.join(" ")}" fill="none" stroke="${color}" stroke-width="1.5"/>`,
    )
    .join("");
}

/** Pure: replication lag (and media lag, dashed colour) over the 24 h before `now`, as an SVG. */
export function lagChart(samples: readonly LagSample[], now: Date): string {
  const to = now.getTime();
  const values = samples.flatMap((s) => [s.lag_s, s.media_lag_s]).filter((v): v is number => v !== null);
  const axis: Axis = { from: to - HISTORY_MS, to, max: niceMax(values) };
  const hours = [24, 18, 12, 6, 0].map((h): [number, string] => [to - h * 3_600_000, h === 0 ? "now" : `-${h}h`]);
  return (
    `${svgOpen("lag", axis, "replication lag, last 24 hours")}${frame(axis, seconds, hours)}` +
    `${lines(axis, samples, "media_lag_s", "#d08a00")}${lines(axis, samples, "lag_s", "#1f6fd0")}</svg>`
  );
}
