import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../../src/host/context.js";
import { validateHostConfig } from "../../src/config/host.js";
import { hostPaths } from "../../src/config/paths.js";
import type { Clock } from "../../src/lib/clock.js";
import { createRunner } from "../../src/lib/exec.js";
import { createLogger, type Logger } from "../../src/lib/log.js";
import { createReplicaStore } from "../../src/s3/store.js";
import { tempDir } from "./tmp.js";

/** A HostContext over a temp home and a file:// replica, for unit tests of the supervisor's loops. */
export async function unitContext(
  clock: Clock,
  options: { log?: Logger; host?: Record<string, unknown> } = {},
): Promise<HostContext> {
  const home = await tempDir("ctx");
  await mkdir(join(home, "replica"));
  const host = validateHostConfig(
    { replica: { url: `file://${join(home, "replica")}` }, ...options.host },
    "hostctl.yml",
  );
  const log = options.log ?? createLogger("silent");
  return {
    paths: hostPaths(home),
    host,
    log,
    run: createRunner(log),
    clock,
    env: {},
    credentials: undefined,
    store: createReplicaStore(host, undefined),
    litestream: "litestream",
  };
}
