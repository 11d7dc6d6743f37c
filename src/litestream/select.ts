import type { HostConfig } from "../config/schema.js";
import { HostctlError } from "../lib/errors.js";
import type { Runner } from "../lib/exec.js";
import { versionArgs } from "./args.js";
import { embeddedLitestream } from "./binary.js";
import { parseEngineVersion, type LitestreamEngine } from "./engine.js";
import { engineV03 } from "./engine-v03.js";
import { engineV05 } from "./engine-v05.js";

/** Never a litestream found on PATH: installing a package must not switch a 0.3 host to 0.5. */
export async function selectEngine(
  host: HostConfig | undefined,
  env: NodeJS.ProcessEnv,
  run: Runner,
): Promise<LitestreamEngine> {
  const fromEnv = env.HOSTCTL_LITESTREAM;
  const override = fromEnv ?? host?.litestream.binary;
  if (!override) return engineV03(embeddedLitestream());
  const where = fromEnv ? "HOSTCTL_LITESTREAM" : "litestream.binary in hostctl.yml";
  let output: string;
  try {
    output = (await run(override, versionArgs(), { timeoutMs: 10_000 })).stdout;
  } catch (error) {
    throw new HostctlError(
      "CONFIG_INVALID",
      `${where}: ${override} does not run as Litestream (\`litestream version\` failed)`,
      {
        exitCode: 2,
        cause: error,
        hint: `check the path in ${where}, or unset it to use the embedded Litestream 0.3.13`,
      },
    );
  }
  const found = parseEngineVersion(output);
  if (!found) {
    throw new HostctlError(
      "CONFIG_INVALID",
      `${where}: ${override} reports version "${output.trim()}"; hostctl runs Litestream 0.3.x or 0.5.x`,
      {
        exitCode: 2,
        hint: `point ${where} at a Litestream 0.3 or 0.5 binary`,
      },
    );
  }
  return found.line === "0.5" ? engineV05(override, found.version) : engineV03(override, found.version);
}

/** The one loadHostContext selected, else 0.3 over the context's binary. */
export function engineOf(ctx: { engine?: LitestreamEngine; litestream: string }): LitestreamEngine {
  return ctx.engine ?? engineV03(ctx.litestream);
}
