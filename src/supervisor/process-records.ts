import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeJsonFile, readJsonFile } from "../lib/json-file.js";
import { killGroup, killGroupNow } from "../lib/process-group.js";

/** On disk, so a supervisor that was SIGKILLed can be cleaned up after. */
export interface ProcessRecord {
  app: string;
  type: string;
  pid: number;
  /** /proc/<pid>/stat field 22: tells a live process from a reused pid. */
  starttime: string;
  command: string;
}

/** The kernel's start time of a pid, or undefined when no such process exists. */
export async function procStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) may contain spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined;
  }
}

export function recordPath(dir: string, app: string, type: string): string {
  return join(dir, `${app}.${type}.json`);
}

export async function writeRecord(dir: string, record: ProcessRecord): Promise<void> {
  await writeJsonFile(recordPath(dir, record.app, record.type), record, 0o600);
}

export async function removeRecord(dir: string, app: string, type: string): Promise<void> {
  await rm(recordPath(dir, app, type), { force: true });
}

/** The process records in `dir`, each with its file. */
async function readRecords(dir: string): Promise<{ file: string; record: ProcessRecord | undefined }[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".json"));
  return Promise.all(
    names.map(async (name) => ({ file: join(dir, name), record: await readJsonFile<ProcessRecord>(join(dir, name)) })),
  );
}

/** A reused pid belongs to someone else and is never signalled. */
async function stillRunning(record: ProcessRecord | undefined): Promise<boolean> {
  return record !== undefined && (await procStartTime(record.pid)) === record.starttime;
}

/** SIGTERM to each live recorded group, SIGKILL after the grace, then the records go. */
export async function endStrays(dir: string, graceMs: number): Promise<ProcessRecord[]> {
  const ended: ProcessRecord[] = [];
  for (const { file, record } of await readRecords(dir)) {
    if (record && (await stillRunning(record))) {
      await killGroup(record.pid, graceMs);
      ended.push(record);
    }
    await rm(file, { force: true });
  }
  return ended;
}

// Simulates the machine dying: SIGKILL at once, no SIGTERM, so nothing flushes and Litestream ships
// nothing more. For demos and tests.
export async function killRecordedGroupsNow(dir: string): Promise<number> {
  let killed = 0;
  for (const { record } of await readRecords(dir)) {
    if (!record || !(await stillRunning(record))) continue;
    if (killGroupNow(record.pid)) killed += 1;
  }
  return killed;
}
