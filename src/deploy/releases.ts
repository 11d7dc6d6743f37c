import { readdir, readlink, rename } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";
import type { Clock } from "../lib/clock.js";
import { removeInBackground } from "../lib/spawn.js";
import { isReleaseId, releaseId, releaseTime } from "./release-id.js";

export const RELEASE_META = ".hostctl-release.json";

/** Written once the release is built and released. */
export interface ReleaseMeta {
  id: string;
  commit: string;
  message: string;
  ref: string;
  deployed_at: string;
  /** Each time `current` pointed here; the newest decides what "previous" means for rollback. */
  activated_at: string[];
}

export interface ReleaseInfo extends ReleaseMeta {
  dir: string;
  current: boolean;
}

export function releaseMetaPath(releaseDir: string): string {
  return join(releaseDir, RELEASE_META);
}

export function readReleaseMeta(releaseDir: string): Promise<ReleaseMeta | undefined> {
  return readJsonFile<ReleaseMeta>(releaseMetaPath(releaseDir));
}

export function writeReleaseMeta(releaseDir: string, meta: ReleaseMeta): Promise<void> {
  return writeJsonFile(releaseMetaPath(releaseDir), meta);
}

/** The release id `current` points at, or undefined before the first deploy. */
export async function readCurrent(app: AppPaths): Promise<string | undefined> {
  try {
    return basename(resolve(app.root, await readlink(app.current)));
  } catch {
    return undefined;
  }
}

async function releaseDirNames(app: AppPaths): Promise<string[]> {
  try {
    return (await readdir(app.releases, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Releases that finished (have metadata), oldest first. */
export async function listReleases(app: AppPaths): Promise<ReleaseInfo[]> {
  const current = await readCurrent(app);
  const out: ReleaseInfo[] = [];
  for (const name of await releaseDirNames(app)) {
    if (!isReleaseId(name)) continue;
    const dir = join(app.releases, name);
    const meta = await readReleaseMeta(dir);
    if (meta) out.push({ ...meta, dir, current: name === current });
  }
  return out;
}

function lastActivation(release: ReleaseMeta): string {
  return release.activated_at.at(-1) ?? "";
}

/** Pure: the most recently activated release other than current. */
export function previousRelease<T extends ReleaseMeta>(
  releases: readonly T[],
  current: string | undefined,
): T | undefined {
  return releases
    .filter((r) => r.id !== current && r.activated_at.length > 0)
    .sort((a, b) => lastActivation(a).localeCompare(lastActivation(b)) || a.id.localeCompare(b.id))
    .at(-1);
}

/** Pure: ids to delete so `keep` remain, oldest first; never the current or the previous one. */
export function planPrune(releases: readonly ReleaseMeta[], current: string | undefined, keep: number): string[] {
  const previous = previousRelease(releases, current)?.id;
  const protectedIds = new Set([current, previous].filter((id): id is string => id !== undefined));
  const sorted = [...releases].sort((a, b) => a.id.localeCompare(b.id));
  const excess = sorted.length - keep;
  return excess <= 0
    ? []
    : sorted
        .filter((r) => !protectedIds.has(r.id))
        .slice(0, excess)
        .map((r) => r.id);
}

const PRUNING = ".pruning-";

/** Deletes old releases and leftovers of interrupted deploys (directories without metadata). */
export async function pruneReleases(app: AppPaths, keep: number, inProgress?: string): Promise<string[]> {
  const releases = await listReleases(app);
  const known = new Set(releases.map((r) => r.id));
  const current = await readCurrent(app);
  const names = await releaseDirNames(app);
  const leftovers = names.filter(
    (name) => !name.startsWith(PRUNING) && !known.has(name) && name !== inProgress && name !== current,
  );
  const doomed = [...planPrune(releases, current, keep), ...leftovers];
  // Renamed first: a prune cut short leaves no half-removed release to roll back to.
  for (const id of doomed) await rename(join(app.releases, id), join(app.releases, `${PRUNING}${id}`));
  const trash = [...names.filter((name) => name.startsWith(PRUNING)), ...doomed.map((id) => `${PRUNING}${id}`)];
  // Not awaited: a Wagtail release's 21,000 files took 3 s of a 6 s deploy on one core (docs/benchmarks.md).
  removeInBackground(trash.map((name) => join(app.releases, name)));
  return doomed;
}

/** Never earlier than the app's newest release: ids in one second would sort by commit, which
 * pruning would take for age (as would a clock set back). */
export async function newReleaseId(releasesDir: string, sha: string, clock: Pick<Clock, "now">): Promise<string> {
  const taken = (await readdir(releasesDir).catch(() => [] as string[])).filter(isReleaseId).map(releaseTime);
  return releaseId(new Date(Math.max(clock.now().getTime(), ...taken.map((at) => at + 1000))), sha);
}
