import type { AppPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { appDomains } from "../config/domains.js";
import type { AppDatabases } from "./app-databases.js";
import type { AppLitestream } from "./app-litestream.js";
import type { Lifecycle } from "./app-state.js";
import type { AppFacts, AppStatus } from "./control-protocol.js";
import type { LiveRelease } from "./live-release.js";

export interface AppStatusInput {
  spec: AppSpec;
  paths: AppPaths;
  life: Pick<Lifecycle, "state" | "reason" | "retryAt">;
  litestream: Pick<AppLitestream, "status" | "disabled">;
  release: ReturnType<LiveRelease["status"]>;
  databases: Pick<AppDatabases, "restored" | "litefsStatus">;
  /** Facts other features reported (control-protocol.ts), each read now. */
  facts: ReadonlyMap<keyof AppFacts, () => unknown>;
}

/** As the control socket answers it: lifecycle, processes, Litestream, databases and facts. */
export function appStatus(input: AppStatusInput): AppStatus {
  const { spec, life } = input;
  const ls = input.litestream.status();
  const disabled = input.litestream.disabled;
  const replicationDown =
    ls && ls.state !== "running" && life.state === "running"
      ? "replication is down: Litestream is not running"
      : undefined;
  return {
    name: spec.name,
    kind: spec.kind,
    state: life.state,
    reason: life.reason ?? disabled ?? replicationDown,
    next_retry_at: life.retryAt === undefined ? undefined : new Date(life.retryAt).toISOString(),
    ...input.release,
    data_dir: input.paths.data,
    port: spec.port,
    domains: appDomains(spec),
    litestream: ls
      ? { ...ls, replicating: ls.state === "running" }
      : { state: disabled ? "disabled" : "none", replicating: false },
    databases: input.databases.restored,
    ...input.databases.litefsStatus(),
    ...Object.fromEntries([...input.facts].map(([key, read]) => [key, read()])),
  };
}
