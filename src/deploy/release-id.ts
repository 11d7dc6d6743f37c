/**
 * `20250102T030405Z-3f2a1bc`: sorts by time as text, and says which commit it holds. Two releases of one app
 * never share a second (newReleaseId in releases.ts waits for the next one), or the commit would order them.
 */
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

/** Pure: the time part of a release id (`20250102T030405Z`). */
export function releaseSecond(id: string): string {
  return id.slice(0, id.indexOf("-"));
}
