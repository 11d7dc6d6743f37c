import type { Logger } from "../lib/log.js";
import type { AppFacts } from "./control-protocol.js";

export interface Unshipped {
  database: string;
  /** How long the oldest write not in the replica had waited when Litestream was stopped. */
  lag_s: number;
}

/** Pure: lag at the last reading carried forward to the stop, to a tenth of a second. */
export function unshippedAt(
  replication: AppFacts["replication"],
  readAtMs: number | undefined,
  nowMs: number,
): Unshipped[] {
  if (!replication || readAtMs === undefined) return [];
  const since = Math.max(0, nowMs - readAtMs) / 1000;
  return replication
    .filter((r) => r.behind)
    .map((r) => ({ database: r.database, lag_s: Math.round((r.lag_s + since) * 10) / 10 }));
}

// Logged and on stderr (both in systemd's journal): the writes are safe in the local database
// only while this host lives.
export function reportUnshipped(
  log: Logger,
  app: string,
  unshipped: Unshipped[],
  write: (line: string) => unknown = (line) => process.stderr.write(line),
): void {
  if (unshipped.length === 0) return;
  const lag = Math.max(...unshipped.map((u) => u.lag_s));
  const names = unshipped.map((u) => u.database).join(", ");
  const message = `${app}: the last ${lag} s of writes to ${names} had not reached the replica when Litestream was stopped; they are in the local database and ship when Litestream runs again, and are lost if this host is`;
  log.warn({ event: "litestream.unshipped_at_stop", app, lag_s: lag, databases: unshipped }, message);
  write(`hostctl: warning: ${message}\n`);
}
