/** Sorts by time as text; newReleaseId keeps a new id after every other of its app, since two in
 * one second would be ordered by their commits. */
export const RELEASE_ID = /^\d{8}T\d{6}Z-[0-9a-f]{7,40}$/;

/** Pure: UTC timestamp (seconds) + short sha. */
export function releaseId(at: Date, sha: string): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
  return `${stamp}-${sha.slice(0, 7)}`;
}

export function isReleaseId(text: string): boolean {
  return RELEASE_ID.test(text);
}

/** Pure: the time a release id names (ms since the epoch). */
export function releaseTime(id: string): number {
  const [, y, mo, d, h, mi, sec] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id) ?? [];
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}Z`);
}
