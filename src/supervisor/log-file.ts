import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** The error and how many bytes were dropped since the last report. */
export type LogWriteFailure = (failure: { path: string; error: NodeJS.ErrnoException; droppedBytes: number }) => void;

/** A failing log is retried this often, and reported at most this often. */
export const LOG_RETRY_MS = 10_000;
export const LOG_WARN_MS = 60_000;

// A failed write (full disk) never reaches the supervisor as an unhandled error: output is
// dropped, counted, reported and the file reopened after LOG_RETRY_MS; the app keeps serving.
export class RotatingLog {
  private stream: WriteStream | undefined;
  private size = 0;
  private rotating: Promise<void> | undefined;
  private failedAt: number | undefined;
  private lastWarnAt = 0;
  private dropped = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes = 10 * 1024 * 1024,
    private readonly keep = 3,
    private readonly onFailure: LogWriteFailure = () => undefined,
  ) {}

  async open(): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true });
      this.size = (await stat(this.path)).size;
    } catch {
      this.size = 0;
    }
    this.stream = this.createStream();
  }

  private createStream(): WriteStream {
    const stream = createWriteStream(this.path, { flags: "a", mode: 0o640 });
    stream.on("error", (error: NodeJS.ErrnoException) => this.failed(stream, error));
    return stream;
  }

  private failed(stream: WriteStream, error: NodeJS.ErrnoException): void {
    if (this.stream === stream) this.stream = undefined;
    stream.destroy();
    this.failedAt = Date.now();
    this.report(error);
  }

  private report(error: NodeJS.ErrnoException): void {
    if (Date.now() - this.lastWarnAt < LOG_WARN_MS) return;
    this.lastWarnAt = Date.now();
    this.onFailure({ path: this.path, error, droppedBytes: this.dropped });
    this.dropped = 0;
  }

  /** Whether the last write failed and output is being dropped (a full disk). */
  get failing(): boolean {
    return this.failedAt !== undefined;
  }

  write(chunk: Buffer | string): void {
    const bytes = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (!this.stream && this.failedAt !== undefined && !this.rotating && Date.now() - this.failedAt >= LOG_RETRY_MS) {
      this.failedAt = undefined;
      this.stream = this.createStream();
    }
    if (!this.stream) {
      this.dropped += bytes;
      return;
    }
    this.stream.write(chunk);
    this.size += bytes;
    if (this.size > this.maxBytes && !this.rotating) {
      this.rotating = this.rotate().finally(() => {
        this.rotating = undefined;
      });
    }
  }

  private async rotate(): Promise<void> {
    const old = this.stream;
    this.stream = undefined;
    await endStream(old);
    for (let i = this.keep - 1; i >= 1; i--) {
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => undefined);
    }
    await rename(this.path, `${this.path}.1`).catch(() => undefined);
    this.size = 0;
    if (this.failedAt === undefined) this.stream = this.createStream();
  }

  async close(): Promise<void> {
    await this.rotating;
    const stream = this.stream;
    this.stream = undefined;
    await endStream(stream);
  }
}

/** Ends a stream; one that already failed (destroyed) counts as ended. */
function endStream(stream: WriteStream | undefined): Promise<void> {
  if (!stream || stream.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    stream.once("error", () => resolve());
    stream.end(resolve);
  });
}
