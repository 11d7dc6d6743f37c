import type { FileStamp } from "../media/plan.js";
import type { MediaReferences } from "./media-refs.js";
import { check, type CheckResult } from "./result.js";
import { matchesAny } from "../lib/glob.js";

/** Missing files are named, up to this many (the rest are counted). */
const NAME_LIMIT = 20;

function named(items: readonly string[]): string {
  const head = items.slice(0, NAME_LIMIT).join(", ");
  return items.length > NAME_LIMIT ? `${head} and ${items.length - NAME_LIMIT} more` : head;
}

export interface ReferenceContext {
  /** The live host's media files (relative paths), when the drill compares with the live host. */
  live?: ReadonlySet<string>;
  /** drills.media_references.ignore globs. */
  ignore?: readonly string[];
}

/** Pure: a file missing from live too was never there to replicate: a warning, not a failure. */
export function checkMediaReferences(
  refs: MediaReferences,
  inReplica: ReadonlySet<string>,
  context: ReferenceContext = {},
): CheckResult {
  const ignore = context.ignore ?? [];
  const checked = refs.references.filter(([name]) => !matchesAny(name, ignore));
  const absent = checked.filter(([name]) => !inReplica.has(name));
  const nowhere = context.live ? absent.filter(([name]) => !context.live?.has(name)) : [];
  const missing = absent.filter((ref) => !nowhere.includes(ref)).map(([name, where]) => `${name} (${where})`);
  const notes = [
    nowhere.length > 0
      ? `warning: ${nowhere.length} missing on the live host as well (never uploaded or deleted; drills.media_references.ignore silences them): ${named(nowhere.map(([name, where]) => `${name} (${where})`))}`
      : "",
    checked.length < refs.references.length
      ? `${refs.references.length - checked.length} ignored by drills.media_references.ignore`
      : "",
    refs.errors.length > 0 ? `unreadable: ${named(refs.errors)}` : "",
    refs.skipped.length > 0 ? `not checked: ${named(refs.skipped)}` : "",
  ]
    .filter((n) => n !== "")
    .join("; ");
  const tail = notes === "" ? "" : `; ${notes}`;
  const present = checked.length - nowhere.length;
  if (missing.length === 0)
    return check("media_references", true, `${present} referenced files are all in the replica${tail}`);
  return check(
    "media_references",
    false,
    `${missing.length} of ${present} referenced files are not in the replica: ${named(missing)}${tail}`,
  );
}

export interface MediaFreshness {
  check: CheckResult;
  /** Since the oldest live file missing from the replica was written (0 when none). */
  lagS: number;
}

/** Pure: media's RPO; a live file the replica lacks (or differs in size) counts from its mtime. */
export function checkMediaFreshness(
  live: ReadonlyMap<string, FileStamp>,
  replicaSizes: ReadonlyMap<string, number>,
  now: Date,
  maxLagMs: number,
): MediaFreshness {
  const behind = [...live].filter(([path, stamp]) => replicaSizes.get(path) !== stamp.size);
  const oldest = Math.min(...behind.map(([, stamp]) => stamp.mtimeMs));
  const lagMs = behind.length === 0 ? 0 : Math.max(0, now.getTime() - oldest);
  const lagS = Math.round(lagMs / 100) / 10;
  const late = behind
    .filter(([, stamp]) => now.getTime() - stamp.mtimeMs > maxLagMs)
    .map(([path]) => path)
    .sort();
  if (late.length > 0)
    return {
      lagS,
      check: check(
        "media_freshness",
        false,
        `${late.length} live media files older than ${maxLagMs / 1000}s are not in the replica: ${named(late)}`,
      ),
    };
  const detail =
    behind.length === 0
      ? `${live.size} live media files are all in the replica`
      : `${behind.length} live media files not yet shipped, oldest ${lagS}s (limit ${maxLagMs / 1000}s)`;
  return { lagS, check: check("media_freshness", true, detail) };
}
