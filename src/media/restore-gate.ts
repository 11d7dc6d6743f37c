/** While restoreMedia writes, the shipper holds off (else it uploads them back), then reloads. */
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
