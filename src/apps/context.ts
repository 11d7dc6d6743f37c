import type { Deps } from "../cli/deps.js";
import type { HostConfig } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { loadHostConfig } from "../config/host.js";
import type { Clock } from "../lib/clock.js";
import type { Runner } from "../lib/exec.js";
import type { Logger } from "../lib/log.js";
import { litestreamBinary } from "../litestream/binary.js";
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
  litestream: string;
  progress: (line: string) => void;
}

export async function loadHostContext(deps: Deps): Promise<HostContext> {
  const host = await loadHostConfig(deps.paths);
  const credentials = await readS3Credentials(host, deps.env);
  return {
    paths: deps.paths,
    host,
    log: deps.log,
    run: deps.run,
    clock: deps.clock,
    env: deps.env,
    credentials,
    store: createReplicaStore(host, credentials),
    litestream: litestreamBinary(host, deps.env),
    progress: deps.progress,
  };
}
