import { createServer } from "node:net";
import { join } from "node:path";
import type { AppSpec, HostConfig } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { METRICS_PORT_SPAN } from "../config/rules.js";
import { HostctlError } from "../lib/errors.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";

/** app name → the loopback port of its Litestream's metrics (`addr:`). */
export type MetricsPorts = Record<string, number>;

export function metricsPortsPath(paths: HostPaths): string {
  return join(paths.litestreamConfigs, "ports.json");
}

/** Pure: ports never move when another app comes or goes, so a running Litestream and the
 * supervisor reading its metrics keep agreeing. */
export function assignMetricsPorts(host: HostConfig, apps: readonly AppSpec[], previous: MetricsPorts): MetricsPorts {
  const base = host.litestream.metrics_port_base;
  const names = apps.map((app) => app.name).sort();
  const out: MetricsPorts = {};
  const taken = new Set<number>();
  for (const name of names) {
    const port = previous[name];
    if (port !== undefined && port >= base && port < base + METRICS_PORT_SPAN && !taken.has(port)) {
      out[name] = port;
      taken.add(port);
    }
  }
  let next = base;
  for (const name of names) {
    if (out[name] !== undefined) continue;
    while (taken.has(next)) next += 1;
    if (next >= base + METRICS_PORT_SPAN) {
      throw new HostctlError(
        "CONFIG_INVALID",
        `a host runs at most ${METRICS_PORT_SPAN} apps: no Litestream metrics port left in ${base}-${base + METRICS_PORT_SPAN - 1} (litestream.metrics_port_base reserves ${METRICS_PORT_SPAN}, one per app)`,
        {
          exitCode: 2,
          hint: "remove an app you no longer serve (hostctl app remove NAME), or run this one on another host",
        },
      );
    }
    out[name] = next;
    taken.add(next);
  }
  return out;
}

export async function readMetricsPorts(paths: HostPaths): Promise<MetricsPorts> {
  return (await readJsonFile<MetricsPorts>(metricsPortsPath(paths))) ?? {};
}

export async function writeMetricsPorts(paths: HostPaths, ports: MetricsPorts): Promise<void> {
  await writeJsonFile(metricsPortsPath(paths), ports, 0o600);
}

/** Whether nothing listens on 127.0.0.1:port right now (Litestream binds its metrics there). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
