import type { DrillResult } from "./result.js";

/** Plain data from the supervisor's state; renderMetrics turns it into Prometheus text. */
export interface MetricsSnapshot {
  apps: readonly AppMetrics[];
}

export interface AppMetrics {
  app: string;
  up: boolean;
  /** Restarts per process type since the supervisor started. */
  restarts: Readonly<Record<string, number>>;
  databases: readonly DatabaseMetrics[];
  /** Seconds since the oldest media change not yet in the replica (0 when caught up). */
  mediaLagSeconds?: number;
}

export interface DatabaseMetrics {
  /** Database path relative to the app's data dir, as in app.yml. */
  database: string;
  /** From the last drill that ran (see drillMetrics). */
  lastDrillOk?: boolean;
  lastDrillDurationSeconds?: number;
  lastDrillSuccessTimestampSeconds?: number;
  /** From LagTracker. */
  replicaLagSeconds?: number;
}

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
}
interface Family {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: Sample[];
}

/** Prometheus text format: backslash, double quote and newline are escaped in label values. */
export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) {
    const labels = Object.entries(sample.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(",");
    lines.push(`${family.name}{${labels}} ${formatValue(sample.value)}`);
  }
  return lines.join("\n");
}

function perDatabase(apps: readonly AppMetrics[], pick: (db: DatabaseMetrics) => number | undefined): Sample[] {
  return apps.flatMap((a) =>
    a.databases.flatMap((db) => {
      const value = pick(db);
      return value === undefined ? [] : [{ labels: { app: a.app, database: db.database }, value }];
    }),
  );
}

/** Pure: the snapshot in Prometheus text exposition format (version 0.0.4). */
export function renderMetrics(snapshot: MetricsSnapshot): string {
  const { apps } = snapshot;
  const families: Family[] = [
    {
      name: "hostctl_app_up",
      help: "1 when every process of the app is running.",
      type: "gauge",
      samples: apps.map((a) => ({ labels: { app: a.app }, value: a.up ? 1 : 0 })),
    },
    {
      name: "hostctl_process_restarts_total",
      help: "Process restarts by the supervisor since it started.",
      type: "counter",
      samples: apps.flatMap((a) =>
        Object.entries(a.restarts).map(([process, value]) => ({ labels: { app: a.app, process }, value })),
      ),
    },
    {
      name: "hostctl_drill_last_ok",
      help: "1 when the last restore drill of the database passed.",
      type: "gauge",
      samples: perDatabase(apps, (db) => (db.lastDrillOk === undefined ? undefined : db.lastDrillOk ? 1 : 0)),
    },
    {
      name: "hostctl_drill_last_duration_seconds",
      help: "Duration of the last restore drill of the app.",
      type: "gauge",
      samples: perDatabase(apps, (db) => db.lastDrillDurationSeconds),
    },
    {
      name: "hostctl_drill_last_success_timestamp_seconds",
      help: "Unix time of the last passing restore drill of the database.",
      type: "gauge",
      samples: perDatabase(apps, (db) => db.lastDrillSuccessTimestampSeconds),
    },
    {
      name: "hostctl_replica_lag_seconds",
      help: "How long the oldest write not yet in the replica has waited (0 when caught up).",
      type: "gauge",
      samples: perDatabase(apps, (db) => db.replicaLagSeconds),
    },
    {
      name: "hostctl_media_lag_seconds",
      help: "How long the oldest media change not yet in the replica has waited (0 when caught up).",
      type: "gauge",
      samples: apps.flatMap((a) =>
        a.mediaLagSeconds === undefined ? [] : [{ labels: { app: a.app }, value: a.mediaLagSeconds }],
      ),
    },
  ];
  return `${families.map(renderFamily).join("\n")}\n`;
}

export type DrillMetrics = Pick<
  DatabaseMetrics,
  "lastDrillOk" | "lastDrillDurationSeconds" | "lastDrillSuccessTimestampSeconds"
>;

/** Pure: per database path, from an app's history (oldest first). */
export function drillMetrics(history: readonly DrillResult[]): Map<string, DrillMetrics> {
  const out = new Map<string, DrillMetrics>();
  for (const drill of history) {
    if (drill.skipped) continue;
    const finished = (Date.parse(drill.started_at) + drill.duration_ms) / 1000;
    for (const db of drill.databases) {
      const previous = out.get(db.path);
      out.set(db.path, {
        lastDrillOk: db.ok,
        lastDrillDurationSeconds: drill.duration_ms / 1000,
        ...(db.ok
          ? { lastDrillSuccessTimestampSeconds: finished }
          : previous?.lastDrillSuccessTimestampSeconds === undefined
            ? {}
            : { lastDrillSuccessTimestampSeconds: previous.lastDrillSuccessTimestampSeconds }),
      });
    }
  }
  return out;
}
