import { posix } from "node:path";
import type { z } from "zod";
import { sideFileProblem } from "../lib/database-files.js";
import { MEDIA_DIR } from "./paths.js";

/** Pure: media/ is public and shipped as media, so no database there; '..' is refused, so the
 * release's static root is unreachable. */
export function databasePathProblem(path: string): string | undefined {
  if (posix.normalize(path).split("/")[0] === MEDIA_DIR)
    return `expected a path outside ${MEDIA_DIR}/ (the front door serves ${MEDIA_DIR}/ to anyone)`;
  return sideFileProblem(path);
}

/** The replica keys a database by file name, and case-only differences are one file on a
 * case-folding disk. */
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
