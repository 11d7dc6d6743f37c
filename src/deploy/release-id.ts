/** `20250102T030405Z-3f2a1bc`: sorts by time as text, and says which commit it holds. */
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
