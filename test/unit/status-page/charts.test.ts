import { describe, expect, it } from "vitest";
import { chartPoint, CHART, niceMax } from "../../../src/status-page/chart.js";
import { lagChart } from "../../../src/status-page/lag-chart.js";
import { drillsChart } from "../../../src/status-page/drills-chart.js";
import { drillPoint } from "../../../src/status-page/page-data.js";
import type { DrillResult } from "../../../src/drills/result.js";
import { expiryText } from "../../../src/status-page/render-page.js";

const NOW = new Date("2026-03-01T12:00:00Z");
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

function polylines(svg: string, cls: string): string[][] {
  return [...svg.matchAll(new RegExp(`<polyline class="${cls}" points="([^"]*)"`, "g"))].map((m) =>
    (m[1] ?? "").split(" "),
  );
}

describe("niceMax", () => {
  it("rounds the largest value up to 1, 2 or 5 times a power of ten, at least the floor", () => {
    expect(niceMax([0.2])).toBe(1);
    expect(niceMax([3.1])).toBe(5);
    expect(niceMax([12])).toBe(20);
    expect(niceMax([])).toBe(1);
  });
});

describe("the lag chart", () => {
  it("draws one point per sample where its time and lag fall on the 24 h axis", () => {
    const samples = [
      { t: at(3), lag_s: 1, media_lag_s: null },
      { t: at(2), lag_s: 5, media_lag_s: null },
      { t: at(1), lag_s: 0, media_lag_s: null },
    ];
    const svg = lagChart(samples, NOW);
    expect(svg).toContain('data-max="5"');
    const [line] = polylines(svg, "lag_s");
    const axis = { from: NOW.getTime() - 86_400_000, to: NOW.getTime(), max: 5 };
    expect(line).toEqual(samples.map((s) => chartPoint(axis, Date.parse(s.t), s.lag_s).join(",")));
    // The highest lag is the highest point; zero lies on the bottom edge.
    expect(Number(line?.[1]?.split(",")[1])).toBe(CHART.top);
    expect(Number(line?.[2]?.split(",")[1])).toBe(CHART.height - CHART.bottom);
  });

  it("breaks the line where the lag was unknown or the supervisor was down for minutes", () => {
    const samples = [
      { t: at(30), lag_s: 1, media_lag_s: null },
      { t: at(29), lag_s: 1, media_lag_s: null },
      { t: at(28), lag_s: null, media_lag_s: null },
      { t: at(27), lag_s: 2, media_lag_s: null },
      { t: at(26), lag_s: 2, media_lag_s: null },
      { t: at(10), lag_s: 3, media_lag_s: null },
      { t: at(9), lag_s: 3, media_lag_s: null },
    ];
    expect(polylines(lagChart(samples, NOW), "lag_s").map((l) => l.length)).toEqual([2, 2, 2]);
  });

  it("draws media lag as its own series", () => {
    const svg = lagChart(
      [
        { t: at(2), lag_s: 0, media_lag_s: 7 },
        { t: at(1), lag_s: 0, media_lag_s: 8 },
      ],
      NOW,
    );
    expect(polylines(svg, "media_lag_s")).toHaveLength(1);
    expect(svg).toContain('data-max="10"');
  });
});

function drill(minutesAgo: number, ok: boolean, restoreMs: number, lag: number): DrillResult {
  return {
    ok,
    app: "shop",
    started_at: at(minutesAgo),
    duration_ms: restoreMs + 100,
    trigger: "schedule",
    live: true,
    versions: null,
    ...(ok ? {} : { reason: "db.sqlite3: row_counts: 3 tables differ" }),
    databases: [
      {
        path: "db.sqlite3",
        ok,
        generation: "g",
        restore_ms: restoreMs,
        bytes: 1,
        lag_s: lag,
        integrity: "full",
        checks: [
          { name: "integrity", ok: true, detail: "ok" },
          { name: "row_counts", ok, detail: ok ? "ok" : "3 tables differ" },
        ],
      },
    ],
  };
}

describe("the drills chart", () => {
  it("marks each drill with its verdict, RTO and RPO, and names a failing check", () => {
    const points = [drill(3000, true, 1200, 0.5), drill(1500, false, 2500, 1)].map(drillPoint);
    expect(points[1]?.failed_checks).toEqual(["db.sqlite3: row_counts"]);
    const svg = drillsChart(points, NOW);
    const markers = [
      ...svg.matchAll(
        /<g class="drill" data-at="([^"]+)" data-ok="(\w+)" data-rto-ms="(\d*)" data-rpo-s="([\d.]*)"><title>([^<]*)</g,
      ),
    ];
    expect(markers.map((m) => [m[1], m[2], m[3], m[4]])).toEqual([
      [at(3000), "true", "1200", "0.5"],
      [at(1500), "false", "2500", "1"],
    ]);
    expect(markers[1]?.[5]).toContain("FAILED: db.sqlite3: row_counts");
    expect(polylines(svg, "rto")[0]).toHaveLength(2);
  });

  it("shows an empty week when no drill has run", () => {
    const svg = drillsChart([], NOW);
    expect(svg).toContain(`data-from="${NOW.getTime() - 7 * 86_400_000}"`);
    expect(svg).not.toContain('class="drill"');
  });
});

describe("a certificate's expiry", () => {
  const cert = (issuer: string, hours: number) => ({
    domain: "s.test",
    issuer,
    expires_at: new Date(NOW.getTime() + hours * 3_600_000).toISOString(),
  });
  it("is alarming under 14 days for ACME, under an hour for Caddy's local CA (12 h certificates)", () => {
    expect(expiryText(cert("acme-v02.api.letsencrypt.org-directory", 24 * 20), NOW)).toContain(
      'class="muted">expires in 20 days',
    );
    expect(expiryText(cert("acme-v02.api.letsencrypt.org-directory", 24 * 10), NOW)).toContain(
      'class="bad">expires in 10 days',
    );
    expect(expiryText(cert("local", 11), NOW)).toContain('class="muted">expires in 11 hours (local)');
    expect(expiryText(cert("local", 0.5), NOW)).toContain('class="bad">');
  });
});
