import { createServer } from "node:net";
import type { AppSpec, HostConfig } from "../config/schema.js";
import { INTERNAL_PORT_SPAN, METRICS_PORT_SPAN } from "../config/rules.js";

const FIRST_APP_PORT = 8001;
const LAST_APP_PORT = 9999;

/** Pure: other apps' ports, the front door's, and the reserved ranges. */
export function takenPorts(host: HostConfig, apps: readonly AppSpec[]): (port: number) => boolean {
  const used = new Set(apps.map((a) => a.port));
  const metrics = host.litestream.metrics_port_base;
  const proxy = host.proxy;
  return (port) =>
    used.has(port) ||
    (port >= metrics && port < metrics + METRICS_PORT_SPAN) ||
    (proxy !== undefined &&
      (port === proxy.http_port ||
        port === proxy.https_port ||
        (port >= proxy.internal_port_base && port < proxy.internal_port_base + INTERNAL_PORT_SPAN)));
}

/** The lowest free port from 8001 that nothing listens on; undefined when none. */
export async function pickAppPort(host: HostConfig, apps: readonly AppSpec[]): Promise<number | undefined> {
  const taken = takenPorts(host, apps);
  for (let port = FIRST_APP_PORT; port <= LAST_APP_PORT; port++) {
    if (!taken(port) && (await isListenable(port))) return port;
  }
  return undefined;
}

function isListenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
