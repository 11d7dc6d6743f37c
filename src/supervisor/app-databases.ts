import type { AppSpec } from "../config/schema.js";
import type { Logger } from "../lib/log.js";
import { bootLitefs, createLitefsNode } from "../litefs/boot.js";
import type { LitefsNode } from "../litefs/node.js";
import { isLitefsApp } from "../litefs/paths.js";
import type { WriteRoute } from "../proxy/write-route.js";
import { restoreOnBoot, type DatabaseRestore } from "../restore/restore-app.js";
import type { AppStatus } from "./control-protocol.js";
import type { UnitDeps } from "./unit-deps.js";

// A LiteFS mount comes up before the processes and goes down after Litestream; otherwise
// restore-on-boot, fail-closed.
export class AppDatabases {
  /** What the last boot found or did, per database (status shows it). */
  restored: DatabaseRestore[] = [];
  private litefs: LitefsNode | undefined;

  constructor(
    private readonly spec: AppSpec,
    private readonly deps: Pick<UnitDeps, "ctx" | "policy" | "graceMs" | "onChange" | "earlyRestore">,
  ) {}

  /** Throws when it cannot; a failed boot's retry reuses the LiteFS mount it started. */
  async restore(log: Logger): Promise<void> {
    if (isLitefsApp(this.spec)) {
      this.litefs ??= await createLitefsNode(this.spec, this.deps.ctx, {
        policy: this.deps.policy,
        graceMs: this.deps.graceMs,
        onChange: this.deps.onChange,
      });
      this.restored = await bootLitefs(this.spec, this.deps.ctx, this.litefs);
    } else {
      this.restored = await (this.deps.earlyRestore?.(this.spec) ?? restoreOnBoot(this.spec, this.deps.ctx));
    }
    for (const db of this.restored) {
      if (db.action !== "present")
        log.info(
          { event: `database.${db.action}`, database: db.path, restore_ms: db.restore_ms, generation: db.generation },
          `database ${db.action}`,
        );
      if (db.action === "restored")
        log.info(
          { event: "litestream.new_generation_expected", database: db.path },
          "Litestream starts a new generation after a restore: expected",
        );
    }
  }

  /** A LiteFS replica's Litestream never writes the replica target. */
  get replicates(): boolean {
    return !this.litefs || this.litefs.isCandidate;
  }

  /** Kept current from the mount's .primary on a LiteFS replica. */
  get writeRoute(): WriteRoute | undefined {
    return this.litefs?.writeRoute;
  }

  /** After the processes and Litestream, which read the databases through the mount. */
  async unmount(): Promise<void> {
    await this.litefs?.stop();
    this.litefs = undefined;
  }

  litefsStatus(): Pick<AppStatus, "litefs"> {
    if (!this.litefs) return {};
    return { litefs: { ...this.litefs.status(), role: this.litefs.isCandidate ? "primary" : "replica" } };
  }
}
