import { describe, expect, it } from "vitest";
import { drillMetrics, escapeLabel, renderMetrics, type MetricsSnapshot } from "../../../src/drills/metrics.js";
import type { DrillResult } from "../../../src/drills/result.js";
import { parsePrometheus } from "./prometheus.js";

const snapshot: MetricsSnapshot = {
  apps: [
    {
      app: "blog",
      up: true,
      restarts: { web: 0, worker: 3 },
      mediaLagSeconds: 2.5,
      databases: [
        {
          database: "db.sqlite3",
          lastDrillOk: true,
          lastDrillDurationSeconds: 1.25,
          lastDrillSuccessTimestampSeconds: 1_700_000_000,
          replicaLagSeconds: 0.5,
        },
        { database: 'weird"name\\with\nnewline.db', lastDrillOk: false },
      ],
    },
    { app: "shop", up: false, restarts: {}, databases: [{ database: "db.sqlite3" }] },
  ],
};

function drill(ok: boolean, startedAt: string, durationMs: number, skipped = false): DrillResult {
  return {
    ok,
    app: "blog",
    started_at: startedAt,
    duration_ms: durationMs,
    trigger: "schedule",
    live: true,
    versions: null,
    ...(skipped ? { skipped } : {}),
    databases: skipped
      ? []
      : [
          {
            path: "db.sqlite3",
            ok,
            generation: null,
            restore_ms: 1,
            bytes: 1,
            lag_s: 0,
            integrity: "full",
            checks: [],
          },
        ],
  };
}

describe("renderMetrics", () => {
  it("renders text that parses as Prometheus exposition format, with HELP and TYPE for every family", () => {
    const text = renderMetrics(snapshot);
    const samples = parsePrometheus(text);
    expect(samples.get('hostctl_app_up{app="blog"}')).toBe(1);
    expect(samples.get('hostctl_app_up{app="shop"}')).toBe(0);
    expect(samples.get('hostctl_process_restarts_total{app="blog",process="worker"}')).toBe(3);
    expect(samples.get('hostctl_drill_last_duration_seconds{app="blog",database="db.sqlite3"}')).toBe(1.25);
    expect(samples.get('hostctl_replica_lag_seconds{app="blog",database="db.sqlite3"}')).toBe(0.5);
    expect(samples.get('hostctl_media_lag_seconds{app="blog"}')).toBe(2.5);
    expect(text).not.toMatch(/hostctl_media_lag_seconds\{app="shop"/);
    for (const name of [
      "hostctl_app_up",
      "hostctl_process_restarts_total",
      "hostctl_drill_last_ok",
      "hostctl_drill_last_duration_seconds",
      "hostctl_drill_last_success_timestamp_seconds",
      "hostctl_replica_lag_seconds",
      "hostctl_media_lag_seconds",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
      expect(text).toContain(`# HELP ${name} `);
    }
  });

  it("escapes backslash, double quote and newline in label values", () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(renderMetrics(snapshot)).toContain(
      'hostctl_drill_last_ok{app="blog",database="weird\\"name\\\\with\\nnewline.db"} 0',
    );
  });

  it("leaves out samples it has no value for instead of inventing zeros", () => {
    expect(renderMetrics(snapshot)).not.toMatch(/hostctl_drill_last_ok\{app="shop"/);
  });
});

describe("drillMetrics", () => {
  it("keeps the last success time through later failures and ignores skipped drills", () => {
    const m = drillMetrics([
      drill(true, "2024-01-01T00:00:00.000Z", 2000),
      drill(false, "2024-01-02T00:00:00.000Z", 3000),
      drill(false, "2024-01-03T00:00:00.000Z", 0, true),
    ]);
    expect(m.get("db.sqlite3")).toEqual({
      lastDrillOk: false,
      lastDrillDurationSeconds: 3,
      lastDrillSuccessTimestampSeconds: Date.parse("2024-01-01T00:00:02.000Z") / 1000,
    });
  });
});
