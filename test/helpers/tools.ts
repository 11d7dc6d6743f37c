import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * External tools the integration tests run for real. `.ci/run` builds the Go ones from their pinned
 * modules into a cache and exports their paths; a developer's machine finds them in the same cache.
 * A missing tool is a test failure naming the command that installs it, never a silent skip.
 */
const CACHE = process.env.HOSTCTL_CI_CACHE ?? join(homedir(), ".cache", "hostctl-ci");

function tool(envVar: string, fallback: string, install: string): string {
  const path = process.env[envVar] ?? fallback;
  if (!existsSync(path)) throw new Error(`${envVar}: ${path} not found; run 'bash .ci/run' once (${install})`);
  return path;
}

export function litestream05Binary(): string {
  return tool(
    "HOSTCTL_TEST_LITESTREAM05",
    join(CACHE, "go", "litestream-v0.5.14", "litestream"),
    "go install github.com/benbjohnson/litestream/cmd/litestream@v0.5.14",
  );
}

export function litefsBinary(): string {
  return tool(
    "HOSTCTL_TEST_LITEFS",
    join(CACHE, "go", "litefs-v0.5.14", "litefs"),
    "go install github.com/superfly/litefs/cmd/litefs@v0.5.14",
  );
}

export function caddyBinary(): string {
  return tool("HOSTCTL_TEST_CADDY", "/usr/bin/caddy", "apt-get install caddy");
}

export function uvBinary(): string {
  return tool(
    "HOSTCTL_TEST_UV",
    join(CACHE, "uv", "bin", "uv"),
    `python3 -m venv ${join(CACHE, "uv")} && ${join(CACHE, "uv", "bin", "pip")} install "uv>=0.5,<1"`,
  );
}

export const pipCacheDir = process.env.PIP_CACHE_DIR ?? join(CACHE, "pip");

export function chromiumBinary(): string {
  return tool("HOSTCTL_TEST_CHROMIUM", "/usr/bin/chromium", "apt-get install --no-install-recommends chromium");
}
