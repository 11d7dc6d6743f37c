/** Whether a file-system call failed because the path does not exist (ENOENT). */
export function isMissing(error: unknown): boolean {
  return errorCode(error) === "ENOENT";
}

/** Missing, or a parent on the path is a file (ENOTDIR): either way nothing is there to read. */
export function isMissingOrNotDir(error: unknown): boolean {
  const code = errorCode(error);
  return code === "ENOENT" || code === "ENOTDIR";
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}
