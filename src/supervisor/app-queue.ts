/**
 * One queue per app: operations that change an app's processes (start, stop, restart, activate, load,
 * unload) run one at a time, in arrival order. Interleaved, two of them started a web process each and the
 * second overwrote the first in the unit's table: an untracked process of an old release kept the port.
 */
export class AppQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `operation` after every operation queued before it for `app`; its result or error is the caller's. */
  run<T>(app: string, operation: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(app) ?? Promise.resolve();
    const result = previous.then(operation, operation);
    const tail = result.catch(() => undefined);
    this.tails.set(app, tail);
    void tail.then(() => {
      if (this.tails.get(app) === tail) this.tails.delete(app);
    });
    return result;
  }

  /** Operations queued or running for `app` (0 when idle). */
  busy(app: string): boolean {
    return this.tails.has(app);
  }
}
