import type { HostConfig } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { loadHostConfig } from "../config/host.js";
import type { Clock } from "../lib/clock.js";
import type { Runner } from "../lib/exec.js";
import type { Logger } from "../lib/log.js";
import type { LitestreamEngine } from "../litestream/engine.js";
import { selectEngine } from "../litestream/select.js";
import { readS3Credentials, type S3Credentials } from "../s3/credentials.js";
import { createReplicaStore, type ReplicaStore } from "../s3/store.js";

/** Everything a core operation on a configured host needs; built once per command or supervisor. */
export interface HostContext {
  paths: HostPaths;
  host: HostConfig;
  log: Logger;
  run: Runner;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  credentials: S3Credentials | undefined;
  store: ReplicaStore;
  /** The Litestream binary (engine.binary). */
  litestream: string;
  /** Hand-built contexts (tests) run the 0.3 adapter over `litestream` (see engineOf). */
  engine?: LitestreamEngine;
}

/** What an entry point hands in to build a HostContext (the CLI's Deps has these and more). */
export type ContextInputs = Pick<HostContext, "paths" | "log" | "run" | "clock" | "env">;

export async function loadHostContext(deps: ContextInputs): Promise<HostContext> {
  const host = await loadHostConfig(deps.paths);
  const credentials = await readS3Credentials(host, deps.env);
  const engine = await selectEngine(host, deps.env, deps.run);
  return {
    paths: deps.paths,
    host,
    log: deps.log,
    run: deps.run,
    clock: deps.clock,
    env: deps.env,
    credentials,
    store: createReplicaStore(host, credentials),
    litestream: engine.binary,
    engine,
  };
}
