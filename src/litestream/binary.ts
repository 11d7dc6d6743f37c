import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { HostConfig } from "../config/schema.js";
import { HostctlError } from "../lib/errors.js";

const require = createRequire(import.meta.url);

/** Never node_modules/.bin/litestream: that Node wrapper exits 0 when Litestream fails and
 * orphans the binary on SIGTERM. */
export function litestreamBinary(host: HostConfig | undefined, env: NodeJS.ProcessEnv): string {
  const override = env.HOSTCTL_LITESTREAM ?? host?.litestream.binary;
  if (override) return override;
  return embeddedLitestream();
}

/** The Litestream 0.3.13 binary that @flydotio/litestream installs for this platform. */
export function embeddedLitestream(): string {
  const platformPackage = `@flydotio/litestream-${process.platform}-${process.arch}`;
  try {
    return join(dirname(require.resolve(`${platformPackage}/package.json`)), "litestream");
  } catch (error) {
    throw new HostctlError(
      "CONFIG_INVALID",
      `no Litestream binary for ${process.platform}-${process.arch} (${platformPackage} is not installed)`,
      {
        exitCode: 2,
        cause: error,
        hint: "set HOSTCTL_LITESTREAM=/path/to/litestream or litestream.binary in hostctl.yml",
      },
    );
  }
}
