import type { HostContext } from "../host/context.js";
import type { Timer } from "../lib/clock.js";
import { errorMessage } from "../lib/errors.js";
import { startRounds, type Loop } from "../lib/loop.js";
import { mirrorRegistry } from "./mirror.js";

/** Then one a minute, so edits made while `up` runs reach the replica. */
export const FIRST_MIRROR_MS = 5000;
export const REGISTRY_MIRROR_MS = 60_000;

export interface RegistryMirrorOptions {
  /** Another host owns the replica target and its registry: nothing is copied there. */
  fenced: () => boolean;
  /** One copy of the registry (tests hand in their own); default: mirrorRegistry. */
  mirror?: () => Promise<unknown>;
}

/** Specs and encrypted env, so a fresh host can recover the apps. */
export class RegistryMirrorLoop implements Loop {
  private rounds: Timer | undefined;
  private readonly mirror: () => Promise<unknown>;

  constructor(
    private readonly ctx: HostContext,
    private readonly options: RegistryMirrorOptions,
  ) {
    this.mirror = options.mirror ?? (() => mirrorRegistry(ctx));
  }

  start(): void {
    this.rounds = startRounds(this.ctx.clock, () => void this.round(), FIRST_MIRROR_MS, REGISTRY_MIRROR_MS);
  }

  stop(): Promise<void> {
    this.rounds?.cancel();
    this.rounds = undefined;
    return Promise.resolve();
  }

  private async round(): Promise<void> {
    if (this.options.fenced()) return;
    try {
      await this.mirror();
    } catch (error) {
      this.ctx.log.warn(
        { event: "registry.mirror_failed", reason: errorMessage(error) },
        "registry not mirrored; will retry",
      );
    }
  }
}
