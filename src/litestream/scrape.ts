import { readFile, stat } from "node:fs/promises";
import { get } from "node:http";
import { parse } from "yaml";
import { HostctlError } from "../lib/errors.js";
import type { DbPositions } from "./lag.js";
import { exactShadowV03, metaDirV03, parseLitestreamMetrics } from "./metrics-v03.js";

/** Its metrics port and the databases it replicates. */
export interface ScrapeTarget {
  port: number;
  databases: readonly { path: string; metaPath?: string }[];
  /** Litestream's output as the supervisor logs it (0.5 reads the replica's position there). */
  log?: string;
}

/** What that app's Litestream must report, and where its local files are. */
export async function readScrapeTarget(configFile: string, port: number): Promise<ScrapeTarget> {
  const config = parse(await readFile(configFile, "utf8")) as {
    dbs?: { path?: unknown; "meta-path"?: unknown }[];
  } | null;
  const databases = (config?.dbs ?? []).flatMap((db) =>
    typeof db.path === "string"
      ? [{ path: db.path, ...(typeof db["meta-path"] === "string" ? { metaPath: db["meta-path"] } : {}) }]
      : [],
  );
  return { port, databases };
}

/** node:http, not fetch: the first fetch loads undici, ~35 ms of CPU on every boot. */
export function fetchMetricsText(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path: "/metrics", signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        reject(new Error(`litestream metrics on 127.0.0.1:${port}: HTTP ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** Pure: metrics naming none of our databases come from another process on our port: refused. */
export function ownPositions(all: readonly DbPositions[], target: ScrapeTarget): DbPositions[] {
  const expected = new Set(target.databases.map((db) => db.path));
  const own = all.filter((db) => expected.has(db.db));
  if (all.length > 0 && own.length === 0) {
    throw new HostctlError(
      "COMMAND_FAILED",
      `the metrics on 127.0.0.1:${target.port} belong to another Litestream (databases: ${all.map((d) => d.db).join(", ")})`,
      {
        hint: "another process holds this app's Litestream metrics port: stop it, or set litestream.metrics_port_base in hostctl.yml to a free range",
      },
    );
  }
  return own;
}

/** Litestream 0.3: metrics from its loopback port, exact shadow offsets from disk. */
export async function scrapeLitestream(target: ScrapeTarget, timeoutMs = 2000): Promise<DbPositions[]> {
  const own = ownPositions(parseLitestreamMetrics(await fetchMetricsText(target.port, timeoutMs)), target);
  const meta = new Map(target.databases.map((db) => [db.path, metaDirV03(db.path, db.metaPath)]));
  return Promise.all(own.map((db) => exactShadowV03(db, meta.get(db.db) ?? metaDirV03(db.db))));
}

/** Until its first sync a scrape says nothing about the replica (0.5 read an empty replica as
 * caught up while its first upload hung). */
export async function markUnsynced(dbs: readonly DbPositions[]): Promise<DbPositions[]> {
  return Promise.all(
    dbs.map(async (db) =>
      db.syncs > 0 || !(await stat(db.db).catch(() => undefined)) ? db : { ...db, unsynced: true },
    ),
  );
}
