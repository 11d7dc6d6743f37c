/**
 * restoreMedia writes an app's media directory and its media-state.json before the app starts: meanwhile the
 * app's shipper holds off (else it would upload the restored files back), then reloads the restored record.
 */
export class MediaRestoreGate {
  private readonly restoring = new Set<string>();
  private readonly listeners: ((app: string) => void)[] = [];

  isRestoring(app: string): boolean {
    return this.restoring.has(app);
  }

  onRestored(listener: (app: string) => void): void {
    this.listeners.push(listener);
  }

  async around<T>(app: string, work: () => Promise<T>): Promise<T> {
    this.restoring.add(app);
    try {
      return await work();
    } finally {
      this.restoring.delete(app);
      for (const listener of this.listeners) listener(app);
    }
  }
}
