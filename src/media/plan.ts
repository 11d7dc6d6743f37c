/** What hostctl knows of one media file: its size and modification time (ms since the epoch). */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

export interface MediaPlan {
  /** New or changed files, settled long enough to be complete. */
  upload: string[];
  /** Files recorded as uploaded that are gone locally. */
  remove: string[];
  /** Files written within the settle window (either side of now): picked up on a later round. */
  pending: string[];
  unchanged: number;
}

/** Pure: only recorded files are deleted, so an object the record does not know (state lost) is
 * never removed from the replica. */
export function planMediaSync(
  local: ReadonlyMap<string, FileStamp>,
  recorded: Readonly<Record<string, FileStamp>>,
  now: Date,
  settleMs: number,
): MediaPlan {
  const plan: MediaPlan = { upload: [], remove: [], pending: [], unchanged: 0 };
  for (const [path, stamp] of [...local].sort(([a], [b]) => a.localeCompare(b))) {
    const before = recorded[path];
    if (before && before.size === stamp.size && before.mtimeMs === stamp.mtimeMs) plan.unchanged++;
    else if (Math.abs(now.getTime() - stamp.mtimeMs) < settleMs) plan.pending.push(path);
    else plan.upload.push(path);
  }
  plan.remove = Object.keys(recorded)
    .filter((path) => !local.has(path))
    .sort();
  return plan;
}

/** Pure: a relative path that stays inside the media directory and maps 1:1 to a key. */
export function isSafeRelativePath(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  return path.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

export interface DeletedObject {
  location: string;
  /** The location relative to the app's media-deleted prefix: "<ISO time>/<relative path>". */
  relative: string;
}

/** Pure: split "<ISO time>/<relative path>" into its parts; undefined when it is not one. */
export function parseDeletedRelative(relative: string): { deletedAt: Date; path: string } | undefined {
  const slash = relative.indexOf("/");
  if (slash === -1) return undefined;
  const stamp = relative.slice(0, slash);
  const deletedAt = new Date(stamp);
  if (Number.isNaN(deletedAt.getTime()) || deletedAt.toISOString() !== stamp) return undefined;
  return { deletedAt, path: relative.slice(slash + 1) };
}

/** Pure: locations that do not parse are left alone. */
export function planPurge(deleted: readonly DeletedObject[], now: Date, retentionMs: number): string[] {
  return deleted
    .filter((object) => {
      const parsed = parseDeletedRelative(object.relative);
      return parsed !== undefined && now.getTime() - parsed.deletedAt.getTime() >= retentionMs;
    })
    .map((object) => object.location);
}
