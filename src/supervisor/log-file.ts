import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** Append-only log file with size-capped rotation: name.log → name.log.1 … name.log.<keep>. */
export class RotatingLog {
  private stream: WriteStream | undefined;
  private size = 0;
  private rotating: Promise<void> | undefined;

  constructor(readonly path: string, private readonly maxBytes = 10 * 1024 * 1024, private readonly keep = 3) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    try {
      this.size = (await stat(this.path)).size;
    } catch {
      this.size = 0;
    }
    this.stream = createWriteStream(this.path, { flags: "a", mode: 0o640 });
  }

  write(chunk: Buffer | string): void {
    if (!this.stream) return;
    this.stream.write(chunk);
    this.size += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (this.size > this.maxBytes && !this.rotating) {
      this.rotating = this.rotate().finally(() => {
        this.rotating = undefined;
      });
    }
  }

  private async rotate(): Promise<void> {
    const old = this.stream;
    this.stream = undefined;
    await new Promise<void>((resolve) => (old ? old.end(resolve) : resolve()));
    for (let i = this.keep - 1; i >= 1; i--) {
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => undefined);
    }
    await rename(this.path, `${this.path}.1`).catch(() => undefined);
    this.size = 0;
    this.stream = createWriteStream(this.path, { flags: "a", mode: 0o640 });
  }

  async close(): Promise<void> {
    await this.rotating;
    const stream = this.stream;
    this.stream = undefined;
    await new Promise<void>((resolve) => (stream ? stream.end(resolve) : resolve()));
  }
}
