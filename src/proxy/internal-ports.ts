import { join } from "node:path";
import type { HostPaths } from "../config/paths.js";
import { INTERNAL_PORT_SPAN } from "../config/rules.js";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";

/** app → its two internal loopback ports (blue/green) and the one the proxy sends traffic to. */
export type InternalPorts = Record<string, { ports: [number, number]; live?: number }>;

export function internalPortsPath(paths: HostPaths): string {
  return join(paths.run, "internal-ports.json");
}

// Pairs never move when other apps come and go, so a live upstream stays put; a new app gets the
// lowest free pair, in name order.
export function assignInternalPorts(base: number, names: readonly string[], previous: InternalPorts): InternalPorts {
  const out: InternalPorts = {};
  const taken = new Set<number>();
  const sorted = [...names].sort();
  for (const name of sorted) {
    const prev = previous[name];
    if (prev && prev.ports.every((p) => p >= base && p < base + INTERNAL_PORT_SPAN && !taken.has(p))) {
      out[name] = prev;
      prev.ports.forEach((p) => taken.add(p));
    }
  }
  let next = base;
  for (const name of sorted) {
    if (out[name]) continue;
    while (taken.has(next) || taken.has(next + 1)) next += 2;
    if (next + 1 >= base + INTERNAL_PORT_SPAN) {
      throw new HostctlError(
        "CONFIG_INVALID",
        `no internal port pair left in ${base}-${base + INTERNAL_PORT_SPAN - 1} (proxy.internal_port_base)`,
        { exitCode: 2 },
      );
    }
    out[name] = { ports: [next, next + 1] };
    taken.add(next).add(next + 1);
  }
  return out;
}

export async function readInternalPorts(paths: HostPaths): Promise<InternalPorts> {
  return (await readJsonFile<InternalPorts>(internalPortsPath(paths))) ?? {};
}

export async function writeInternalPorts(paths: HostPaths, ports: InternalPorts): Promise<void> {
  await writeJsonFile(internalPortsPath(paths), ports, 0o600);
}
