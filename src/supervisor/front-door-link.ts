import { appDomains } from "../config/domains.js";
import type { AppSpec } from "../config/schema.js";
import { parseDuration } from "../lib/duration.js";
import type { AppView, FrontDoor } from "../proxy/front-door.js";
import type { AppUnit } from "./app-unit.js";
import type { UnitProxy } from "./blue-green.js";

const DEFAULT_DRAIN_MS = 30_000;

/** The apps as the proxy sees them: an app that is restoring, waiting, stopped or crash-looping gets a 503. */
export function frontDoorView(units: Iterable<AppUnit>): AppView[] {
  return [...units].map((unit) => ({
    name: unit.spec.name,
    domains: appDomains(unit.spec),
    port: unit.spec.port,
    mediaDir: unit.paths.media,
    serving: unit.state === "running" || unit.state === "starting",
    ...(unit.writeRoute ? { writes: unit.writeRoute } : {}),
  }));
}

export function unitProxy(door: FrontDoor, healthCheck: ((spec: AppSpec, port?: number) => Promise<void>) | undefined): UnitProxy {
  return {
    idlePort: (app) => door.idlePort(app),
    switchTo: (app, port, releaseDir) => door.switchTo(app, port, releaseDir),
    forget: (app) => door.forget(app),
    waitIdle: (port, timeoutMs) => door.waitUpstreamIdle(port, timeoutMs),
    drainMs: parseDuration(door.proxy.graceful_timeout) ?? DEFAULT_DRAIN_MS,
    requireLoopback: door.proxy.require_loopback,
    ...(healthCheck ? { healthCheck: (spec: AppSpec, port: number) => healthCheck(spec, port) } : {}),
  };
}
