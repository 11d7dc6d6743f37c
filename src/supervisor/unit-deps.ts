import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import type { DatabaseRestore } from "../restore/restore-app.js";
import type { BackoffPolicy } from "./backoff.js";
import type { UnitProxy } from "./blue-green.js";

/** The host, restart policy, hooks and the front door. */
export interface UnitDeps {
  ctx: HostContext;
  policy: BackoffPolicy;
  graceMs: number;
  hostId: string;
  /** Loopback port of this app's Litestream metrics (addr: in its config). */
  metricsPort: number | undefined;
  /** A restore begun before boot on a fresh host, taken instead of running one. */
  earlyRestore?: (spec: AppSpec) => Promise<DatabaseRestore[]> | undefined;
  /** Told as the databases' restore begins (media missing here are restored beside it). */
  beforeRestore?: (spec: AppSpec) => void;
  /** After the databases are in place, before anything starts (media restore on a fresh host). */
  afterRestore?: (spec: AppSpec, databases: DatabaseRestore[]) => Promise<void>;
  /** Throws when this host must not write the replica (lease unconfirmed, older lineage). */
  beforeReplicate?: (spec: AppSpec, databases: DatabaseRestore[]) => Promise<void>;
  /** Deploys an app that has no release yet (restore has already run). */
  firstDeploy?: (spec: AppSpec) => Promise<void>;
  /** The app's state or live release changed (the front door re-reads its upstreams). */
  onChange: () => void;
  /** When Caddy runs, releases start on internal ports and switch blue/green. */
  proxy?: UnitProxy;
}
