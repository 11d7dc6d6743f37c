import { hostname as osHostname } from "node:os";
import type { HostContext } from "../host/context.js";
import { errorMessage } from "../lib/errors.js";
import { leaseBody, type Lease, type LeaseHolder } from "./decision.js";
import { DEFAULT_LEASE_TTL_MS, readLease, releaseLease, writeLease } from "./lease.js";

export const DEFAULT_HEARTBEAT_MS = 5000;

export interface LeaseKeeperOptions {
  hostId: string;
  /** Default: os.hostname(). */
  hostname?: string;
  /** Default 120 s. */
  ttlMs?: number;
  /** Default 5 s. */
  intervalMs?: number;
}

export interface LeaseKeeperStatus {
  state: "idle" | "holding" | "lost" | "stopped";
  lastHeartbeatAt: string | undefined;
  /** The last heartbeat's failure, cleared by the next one that succeeds. */
  lastError: string | undefined;
  /** Who holds the lease once this host lost it. */
  holder: Lease | undefined;
}

type Ctx = Pick<HostContext, "store" | "log" | "clock" | "paths">;

// A heartbeat that cannot reach S3 keeps the lease: this host's Litestream cannot write there
// either, so nothing is overwritten; once S3 answers, the lease tells who holds it.
export class LeaseKeeper {
  private readonly me: LeaseHolder;
  private readonly ttlMs: number;
  private readonly intervalMs: number;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private lease: Lease | undefined;
  private current: LeaseKeeperStatus = {
    state: "idle",
    lastHeartbeatAt: undefined,
    lastError: undefined,
    holder: undefined,
  };

  constructor(
    private readonly ctx: Ctx,
    options: LeaseKeeperOptions,
  ) {
    this.me = { hostId: options.hostId, hostname: options.hostname ?? osHostname() };
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.intervalMs = options.intervalMs ?? DEFAULT_HEARTBEAT_MS;
  }

  /** The lease must have been acquired; onLost is called once, when another host holds it. */
  start(onLost: (holder: Lease) => void): void {
    if (this.loop !== undefined) return;
    this.current = { ...this.current, state: "holding" };
    this.loop = this.run(onLost);
  }

  /** Releases the lease if still held. Never throws: S3 may be down at shutdown. */
  async stop(): Promise<void> {
    if (this.current.state === "stopped") return;
    const held = this.current.state !== "lost";
    this.abort.abort();
    await this.loop;
    this.current = { ...this.current, state: "stopped" };
    if (!held) return;
    try {
      await releaseLease(this.ctx, this.me.hostId);
    } catch (error) {
      this.ctx.log.warn(
        { event: "lease.release_failed", error: errorMessage(error) },
        "could not release the lease; it expires after its TTL",
      );
    }
  }

  status(): LeaseKeeperStatus {
    return { ...this.current };
  }

  private async run(onLost: (holder: Lease) => void): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await this.ctx.clock.sleep(this.intervalMs, signal);
      if (signal.aborted) return;
      const holder = await this.beat();
      if (holder === undefined) continue;
      this.current = { ...this.current, state: "lost", holder };
      this.ctx.log.error({ event: "lease.lost", holder }, `lease lost to ${holder.hostname} (${holder.host_id})`);
      try {
        onLost(holder);
      } catch (error) {
        this.ctx.log.error({ event: "lease.on_lost_failed", error: errorMessage(error) }, "lease-lost handler failed");
      }
      return;
    }
  }

  /** One heartbeat: the other holder when the lease is someone else's, else undefined. */
  private async beat(): Promise<Lease | undefined> {
    const now = this.ctx.clock.now();
    try {
      const stored = await readLease(this.ctx);
      if (stored !== undefined && stored.host_id !== this.me.hostId) return stored;
      // Deleted by a stale release or an operator: this host still runs, so it writes it back.
      const lease = leaseBody(this.me, now, this.ttlMs, stored ?? this.lease);
      await writeLease(this.ctx, lease);
      this.lease = lease;
      this.current = { ...this.current, lastHeartbeatAt: lease.heartbeat_at, lastError: undefined };
    } catch (error) {
      this.current = { ...this.current, lastError: errorMessage(error) };
      this.ctx.log.warn(
        { event: "lease.heartbeat_failed", error: errorMessage(error) },
        "lease heartbeat failed; retrying",
      );
    }
    return undefined;
  }
}
