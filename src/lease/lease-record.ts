import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";
import type { LeaseRecord } from "./decision.js";

// Survives restarts and crashes, so a host replaced while down knows it held an older epoch than
// the replica's lease (decision.ts isSuperseded).
export function leaseRecordPath(paths: HostPaths): string {
  return join(paths.home, "lease-record.json");
}

export async function readLeaseRecord(paths: HostPaths): Promise<LeaseRecord | undefined> {
  return readJsonFile<LeaseRecord>(leaseRecordPath(paths));
}

export async function writeLeaseRecord(paths: HostPaths, record: LeaseRecord): Promise<void> {
  await writeJsonFile(leaseRecordPath(paths), record);
}

/** The operator has said this host follows the replica's lineage (`rejoin` / `cluster rejoin`). */
export async function clearLeaseRecord(paths: HostPaths): Promise<void> {
  await rm(leaseRecordPath(paths), { force: true });
}
