import { esc } from "./html.js";

/** The plot area of every chart, in SVG units (the SVG scales to the page's width). */
export const CHART = { width: 720, height: 140, left: 48, right: 8, top: 8, bottom: 22 };

export interface Axis {
  from: number;
  to: number;
  max: number;
}

/** Pure: a round y-axis top (1, 2, 5 × 10^n) at or above the largest value, at least `floor`. */
export function niceMax(values: readonly number[], floor = 1): number {
  const top = Math.max(floor, ...values);
  const magnitude = 10 ** Math.floor(Math.log10(top));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= top) ?? top * 2;
}

/** Pure: SVG x of a time (ms) and y of a value; two decimals, as the points are written. */
export function chartPoint(axis: Axis, t: number, v: number): [number, number] {
  const w = CHART.width - CHART.left - CHART.right;
  const h = CHART.height - CHART.top - CHART.bottom;
  const x = CHART.left + ((t - axis.from) / (axis.to - axis.from)) * w;
  const y = CHART.top + h - (Math.min(v, axis.max) / axis.max) * h;
  return [round(x), round(y)];
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Pure: the frame, y labels and x labels of a chart; `label` formats a y value. */
export function frame(axis: Axis, label: (v: number) => string, xLabels: [number, string][]): string {
  const [x0, yTop] = chartPoint(axis, axis.from, axis.max);
  const [x1, yBottom] = chartPoint(axis, axis.to, 0);
  const yMid = round((yTop + yBottom) / 2);
  const anchor = (t: number) => (t >= axis.to ? "end" : t <= axis.from ? "start" : "middle");
  const ticks = xLabels
    .map(
      ([t, text]) =>
        `<text x="${chartPoint(axis, t, 0)[0]}" y="${CHART.height - 6}" text-anchor="${anchor(t)}">${esc(text)}</text>`,
    )
    .join("");
  return (
    `<rect x="${x0}" y="${yTop}" width="${round(x1 - x0)}" height="${round(yBottom - yTop)}" fill="none" stroke="#ccc"/>` +
    `<line x1="${x0}" y1="${yMid}" x2="${x1}" y2="${yMid}" stroke="#eee"/>` +
    `<text x="${x0 - 4}" y="${yTop + 4}" text-anchor="end">${esc(label(axis.max))}</text>` +
    `<text x="${x0 - 4}" y="${yMid + 4}" text-anchor="end">${esc(label(axis.max / 2))}</text>` +
    `<text x="${x0 - 4}" y="${yBottom}" text-anchor="end">0</text>${ticks}`
  );
}

/** Pure: a chart's opening tag; the axis is in data attributes so a test can map points back. */
export function svgOpen(kind: string, axis: Axis, title: string): string {
  return (
    `<svg class="chart" data-chart="${esc(kind)}" data-from="${axis.from}" data-to="${axis.to}" data-max="${axis.max}" ` +
    `viewBox="0 0 ${CHART.width} ${CHART.height}" role="img" aria-label="${esc(title)}" font-size="11" font-family="sans-serif" fill="#555">`
  );
}
