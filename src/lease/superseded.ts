import type { HostContext } from "../host/context.js";
import { HostctlError, type ErrorCode } from "../lib/errors.js";
import { describeHolder, type Lease, type LeaseRecord } from "./decision.js";

/** Carries the holder, so a caller can word its hint (a LiteFS rejoin names the primary). */
export class LeaseHolderError extends HostctlError {
  constructor(
    code: Extract<ErrorCode, "LEASE_HELD" | "LEASE_SUPERSEDED">,
    message: string,
    readonly holder: Lease,
    hint: string,
  ) {
    super(code, message, { hint });
  }
}

export const REJOIN_HINT =
  "if this host should be the live one again, with the replica's data: hostctl rejoin (its local databases are set aside, the next hostctl up restores the replica's), then hostctl up";

/** This host lost an older epoch without a release: it must not start on its copies. */
export function supersededError(
  ctx: Pick<HostContext, "store">,
  holder: Lease,
  record: LeaseRecord,
  now: Date,
): LeaseHolderError {
  return new LeaseHolderError(
    "LEASE_SUPERSEDED",
    `this host held the lease of ${ctx.store.url} (epoch ${record.epoch}) and was replaced without giving it back: ${describeHolder(holder, now)} took it since (epoch ${holder.epoch ?? "?"}); this host's databases are older than the replica, so it neither serves nor replicates them`,
    holder,
    REJOIN_HINT,
  );
}
