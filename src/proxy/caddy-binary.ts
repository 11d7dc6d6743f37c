import { access, constants } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import type { Runner } from "../lib/exec.js";

/** An absolute path as given, else the first match on PATH; undefined when there is none. */
export async function findCaddy(name: string, pathVar: string | undefined): Promise<string | undefined> {
  const candidates =
    isAbsolute(name) || name.includes("/")
      ? [name]
      : (pathVar ?? "/usr/local/bin:/usr/bin:/bin").split(delimiter).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Pure: "v2.6.2 h1:…" (or Debian's "2.6.2") → [2, 6, 2]. */
export function parseCaddyVersion(output: string): [number, number, number] | undefined {
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(output);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Pure: Caddy before 2.6.4 calls it `buffer_requests`; later ones `request_buffers`. */
export function needsLegacyBuffers(version: readonly number[]): boolean {
  const [major = 0, minor = 0, patch = 0] = version;
  return major < 2 || (major === 2 && (minor < 6 || (minor === 6 && patch < 4)));
}

export interface CaddyBinary {
  path: string;
  version: string;
  legacyBuffers: boolean;
}

export async function probeCaddy(
  run: Runner,
  name: string,
  pathVar: string | undefined,
): Promise<CaddyBinary | undefined> {
  const path = await findCaddy(name, pathVar);
  if (path === undefined) return undefined;
  const out = (await run(path, ["version"], { timeoutMs: 10_000 })).stdout.trim();
  const version = parseCaddyVersion(out);
  return {
    path,
    version: version ? version.join(".") : out,
    legacyBuffers: version ? needsLegacyBuffers(version) : false,
  };
}
