/** One path that changed and is not in the replica as it is now. */
interface DirtyEntry {
  /** The oldest unshipped change (ms since epoch): what media lag measures. */
  since: number;
  /** A file still being written, or a failed upload waiting to retry. */
  notBefore: number;
  /** Bumped by every new change: a path changed again while it was being shipped stays dirty. */
  seq: number;
}

export interface Claim {
  path: string;
  since: number;
  seq: number;
}

/** A change reported mid-ship keeps the path dirty (seq) and its first `since`, so lag never reads
 * 0 while a change is unshipped. */
export class DirtySet {
  private readonly entries = new Map<string, DirtyEntry>();
  private seq = 0;

  /** A change to `path` seen at `atMs`, to be looked at no earlier than `notBefore`. */
  note(path: string, atMs: number, notBefore = atMs): void {
    const entry = this.entries.get(path);
    this.entries.set(path, {
      since: Math.min(entry?.since ?? atMs, atMs),
      notBefore: Math.max(entry?.notBefore ?? notBefore, notBefore),
      seq: ++this.seq,
    });
  }

  /** Insertion order, no sort: 100,000 dirty paths handed out 256 at a time cost one pass each. */
  due(nowMs: number, limit: number): Claim[] {
    const out: Claim[] = [];
    for (const [path, entry] of this.entries) {
      if (out.length >= limit) break;
      if (entry.notBefore <= nowMs) out.push({ path, since: entry.since, seq: entry.seq });
    }
    return out;
  }

  /** Look again at `path` no earlier than `atMs` (the change itself stays counted). */
  defer(path: string, atMs: number): void {
    const entry = this.entries.get(path);
    if (entry) entry.notBefore = Math.max(entry.notBefore, atMs);
  }

  /** `path` is shipped as of claim `seq`; a change noted since then keeps it dirty. */
  done(path: string, seq: number): void {
    if (this.entries.get(path)?.seq === seq) this.entries.delete(path);
  }

  /** Drops a path without shipping it (it is not media any more, or nothing is to be done). */
  drop(path: string): void {
    this.entries.delete(path);
  }

  /** The earliest time a dirty path becomes due, or undefined when nothing is dirty. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values()) if (next === undefined || entry.notBefore < next) next = entry.notBefore;
    return next;
  }

  /** When the oldest unshipped change happened, or undefined when everything is shipped. */
  oldest(): number | undefined {
    let oldest: number | undefined;
    for (const entry of this.entries.values()) if (oldest === undefined || entry.since < oldest) oldest = entry.since;
    return oldest;
  }

  /** Seconds since the oldest unshipped change (0 when everything is shipped), to the tenth. */
  lagSeconds(nowMs: number): number {
    const oldest = this.oldest();
    return oldest === undefined ? 0 : Math.round(Math.max(0, nowMs - oldest) / 100) / 10;
  }

  get size(): number {
    return this.entries.size;
  }
}
