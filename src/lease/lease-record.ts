import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";
import type { LeaseRecord } from "./decision.js";

/**
 * The lease epoch this host last held, kept in its home: it survives restarts and crashes, so a host replaced
 * while it was down still knows it held an older epoch than the replica's lease (decision.ts isSuperseded).
 */
export function leaseRecordPath(paths: HostPaths): string {
  return join(paths.home, "lease-record.json");
}

export async function readLeaseRecord(paths: HostPaths): Promise<LeaseRecord | undefined> {
  return readJsonFile<LeaseRecord>(leaseRecordPath(paths));
}

export async function writeLeaseRecord(paths: HostPaths, record: LeaseRecord): Promise<void> {
  await writeJsonFile(leaseRecordPath(paths), record);
}

/** `hostctl rejoin` / `cluster rejoin`: the operator has said this host follows the replica's lineage. */
export async function clearLeaseRecord(paths: HostPaths): Promise<void> {
  await rm(leaseRecordPath(paths), { force: true });
}
