import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import type { ScrapeTarget } from "./scrape.js";

/**
 * The databases (and their meta-path, when the template sets one) of one app's rendered Litestream config:
 * what that app's Litestream must report, and where its local files are.
 */
export async function readScrapeTarget(configFile: string, port: number): Promise<ScrapeTarget> {
  const config = parse(await readFile(configFile, "utf8")) as { dbs?: { path?: unknown; "meta-path"?: unknown }[] } | null;
  const databases = (config?.dbs ?? []).flatMap((db) =>
    typeof db.path === "string" ? [{ path: db.path, ...(typeof db["meta-path"] === "string" ? { metaPath: db["meta-path"] } : {}) }] : [],
  );
  return { port, databases };
}
