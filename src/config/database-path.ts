import { posix } from "node:path";
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
