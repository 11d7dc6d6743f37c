// Interleaved operations each started a web process and the second overwrote the first: an
// untracked old release kept the port. So each app's operations run one at a time, in order.
export class AppQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs after everything queued before it for `app`; the result or error is the caller's. */
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
