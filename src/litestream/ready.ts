import { HostctlError } from "../lib/errors.js";
import { parseLitestreamMetrics } from "./metrics-v03.js";
import { fetchMetricsText, ownPositions } from "./scrape.js";

/** 0.3.13 only syncs on SIGTERM databases it synced once; stopping earlier loses the newest
 * writes, so shutdown waits for each first sync, bounded by timeoutMs. */
export async function waitLitestreamReady(
  port: number,
  dbPaths: readonly string[],
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      // litestream_sync_count{db} reads the same on 0.3 and 0.5.
      const dbs = ownPositions(parseLitestreamMetrics(await fetchMetricsText(port, 1000)), {
        port,
        databases: dbPaths.map((path) => ({ path })),
      });
      if (dbPaths.every((path) => (dbs.find((d) => d.db === path)?.syncs ?? 0) > 0)) return true;
    } catch (error) {
      // Another process's metrics on our port: waiting would not change that.
      if (error instanceof HostctlError) return false;
      // Not listening yet (or gone): try again until the deadline.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
