import { posix } from "node:path";
import type { z } from "zod";
import { sideFileProblem } from "../lib/database-files.js";
import { MEDIA_DIR } from "./paths.js";

/**
 * Pure: why a database path (relative to the app's data directory) is refused, or undefined. media/ is
 * served by the front door and shipped as media, so a database there would be public and copied live.
 * The static root lives in the release, which a data path cannot reach ('..' is refused).
 */
export function databasePathProblem(path: string): string | undefined {
  if (posix.normalize(path).split("/")[0] === MEDIA_DIR)
    return `expected a path outside ${MEDIA_DIR}/ (the front door serves ${MEDIA_DIR}/ to anyone)`;
  return sideFileProblem(path);
}

/**
 * Zod check of `databases`: one file name per database, whatever its folder and case. The replica keys a
 * database by its file name, and names differing only in case are one file on a case-folding disk.
 */
export function refuseDuplicateNames(databases: readonly { path: string }[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  databases.forEach((db, index) => {
    const name = posix.basename(db.path);
    const first = seen.get(name.toLowerCase());
    if (first === undefined) seen.set(name.toLowerCase(), index);
    else
      ctx.addIssue({
        code: "custom",
        path: [index, "path"],
        message: `file name "${name}" is already used by databases[${first}] (names differing only in case count as one); each database needs its own replica path`,
      });
  });
}
