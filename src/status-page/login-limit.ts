/** Failed logins allowed per client (and, tenfold, for everyone together) in one window. */
const PER_CLIENT = 5;
const WINDOW_MS = 60_000;

// A guesser spread over many addresses hits the page-wide limit (ten times the per-client one).
// Memory stays bounded: old windows are dropped and at most MAX_CLIENTS are tracked.
export class LoginLimit {
  private readonly failures = new Map<string, number[]>();
  private static readonly ALL = "*";
  private static readonly MAX_CLIENTS = 1000;

  /** Seconds until this client may try again; 0 when it may now. */
  retryAfter(client: string, now: number): number {
    const waits = [client, LoginLimit.ALL].map((key) => {
      const recent = this.recent(key, now);
      const limit = key === LoginLimit.ALL ? PER_CLIENT * 10 : PER_CLIENT;
      return recent.length >= limit ? Math.ceil(((recent[0] ?? now) + WINDOW_MS - now) / 1000) : 0;
    });
    return Math.max(...waits);
  }

  failed(client: string, now: number): void {
    if (this.failures.size >= LoginLimit.MAX_CLIENTS && !this.failures.has(client)) this.prune(now);
    for (const key of [client, LoginLimit.ALL]) this.failures.set(key, [...this.recent(key, now), now]);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
  }

  private prune(now: number): void {
    for (const key of [...this.failures.keys()]) if (this.recent(key, now).length === 0) this.failures.delete(key);
    // Still full of active clients: forget the oldest (the global count still limits them).
    for (const key of [...this.failures.keys()]) {
      if (this.failures.size < LoginLimit.MAX_CLIENTS) break;
      if (key !== LoginLimit.ALL) this.failures.delete(key);
    }
  }
}
