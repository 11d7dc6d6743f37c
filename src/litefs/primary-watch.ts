import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LitefsHostConfig } from "../config/litefs-schema.js";
import type { Clock, Timer } from "../lib/clock.js";
import type { WriteRoute } from "../proxy/write-route.js";

const POLL_MS = 1000;
/** A hung LiteFS never answers the read: the stop goes on after this, and ending LiteFS ends the read. */
const STOP_WAIT_MS = 2000;

// Polled each second, not watched: inotify does not see changes LiteFS makes inside its FUSE mount.
// The front door re-routes writes within a couple of seconds of a new primary.
export class PrimaryWatch {
  private current: string | undefined;
  private timer: Timer | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly mount: string,
    private readonly onChange: () => void,
    private readonly clock: Pick<Clock, "setInterval" | "setTimeout">,
    private readonly intervalMs = POLL_MS,
  ) {}

  async start(): Promise<void> {
    this.current = await this.read();
    this.timer = this.clock.setInterval(() => {
      this.reading = this.tick().catch(() => undefined);
    }, this.intervalMs);
  }

  private async tick(): Promise<void> {
    const next = await this.read();
    if (next === this.current) return;
    this.current = next;
    this.onChange();
  }

  private async read(): Promise<string | undefined> {
    try {
      const text = (await readFile(join(this.mount, ".primary"), "utf8")).trim();
      return text === "" ? undefined : text;
    } catch {
      return undefined;
    }
  }

  /** Undefined when this node is primary (or unmounted). */
  get primary(): string | undefined {
    return this.current;
  }

  /** Resolves once no read of the mount is in flight (an open file keeps LiteFS from unmounting). */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    await new Promise<void>((resolve) => {
      const bound = this.clock.setTimeout(resolve, STOP_WAIT_MS);
      void this.reading.then(() => {
        bound.cancel();
        resolve();
      });
    });
  }
}

/** Pure: front_doors, else primary.front_door for primary.node. */
export function frontDoorOf(litefs: LitefsHostConfig, node: string): string | undefined {
  return litefs.front_doors[node] ?? (litefs.primary?.node === node ? litefs.primary.front_door : undefined);
}

// None on the primary. A static-lease replica that does not know its primary answers writes with
// 503 rather than let them fail read-only.
export function writeRouteFor(litefs: LitefsHostConfig, primary: string | undefined): WriteRoute | undefined {
  if (primary === undefined)
    return litefs.role === "replica" && litefs.lease === "static"
      ? { target: undefined, paths: litefs.write_paths }
      : undefined;
  if (primary === litefs.node) return undefined;
  return { target: frontDoorOf(litefs, primary), paths: litefs.write_paths };
}
