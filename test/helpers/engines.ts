import { litestream05Binary } from "./tools.js";

/**
 * The Litestream lines the engine-matrix tests run against (replication, restore-on-boot, RPO): both by
 * default; HOSTCTL_TEST_ENGINES=0.3 (or 0.5) narrows a local run.
 */
export const ENGINES: readonly ("0.3" | "0.5")[] = (process.env.HOSTCTL_TEST_ENGINES ?? "0.3,0.5")
  .split(",")
  .map((e) => e.trim())
  .filter((e): e is "0.3" | "0.5" => e === "0.3" || e === "0.5");

/** The environment that makes hostctl (CLI and `up`) run the given line: 0.3 is the embedded default. */
export function engineEnv(line: "0.3" | "0.5"): Record<string, string> {
  return line === "0.5" ? { HOSTCTL_LITESTREAM: litestream05Binary() } : {};
}
