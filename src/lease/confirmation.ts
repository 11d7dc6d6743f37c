import { HostctlError, errorMessage } from "../lib/errors.js";

// `up` restores during the lease's pause; whatever writes to the replica (Litestream, heartbeat,
// media, registry copy) waits for `settled` and goes ahead only when it is true.
export class LeaseConfirmation {
  state: "pending" | "confirmed" | "failed" = "pending";
  /** Why the lease is not this host's (failed). */
  reason: string | undefined;
  readonly settled: Promise<boolean>;

  /** LEASE_HELD fails it; any other error confirms it, as an unanswered lease does at start. */
  constructor(confirmed: Promise<unknown>, onOtherError: (error: unknown) => void = () => undefined) {
    this.settled = confirmed.then(
      () => this.settle(true),
      (error: unknown) => {
        if (error instanceof HostctlError && error.code === "LEASE_HELD") {
          this.reason = errorMessage(error);
          return this.settle(false);
        }
        onOtherError(error);
        return this.settle(true);
      },
    );
  }

  /** No lease begun, or S3 unreadable: the keeper settles it later. */
  static none(): LeaseConfirmation {
    return new LeaseConfirmation(Promise.resolve());
  }

  /** Resolves once confirmed; throws LEASE_HELD when another host's lease won. */
  async required(): Promise<void> {
    if (!(await this.settled))
      throw new HostctlError("LEASE_HELD", this.reason ?? "another host holds the replica lease", {
        hint: "this host stops; hostctl up then waits for the lease",
      });
  }

  private settle(ok: boolean): boolean {
    this.state = ok ? "confirmed" : "failed";
    return ok;
  }
}
