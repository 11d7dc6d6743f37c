import { appDomains } from "../config/domains.js";
import type { AppSpec } from "../config/schema.js";
import { parseDuration } from "../lib/duration.js";
import type { AppDown } from "../proxy/caddy-config.js";
import type { AppView, FrontDoor } from "../proxy/front-door.js";
import type { AppState } from "./control-protocol.js";
import type { AppUnit } from "./app-unit.js";
import type { UnitProxy } from "./blue-green.js";

const DEFAULT_DRAIN_MS = 30_000;

/** Restoring, waiting, stopped or crash-looping apps get a 503. */
export function frontDoorView(units: Iterable<AppUnit>): AppView[] {
  return [...units].map((unit) => ({
    name: unit.spec.name,
    domains: appDomains(unit.spec),
    port: unit.spec.port,
    mediaDir: unit.paths.media,
    serving: unit.state === "running" || unit.state === "starting",
    down: downOf(unit.state, unit.status().next_retry_at !== undefined),
    ...(unit.writeRoute ? { writes: unit.writeRoute } : {}),
  }));
}

/** Pure: a boot being retried (replica unreachable) reads as starting. */
export function downOf(state: AppState, retrying = false): AppDown {
  if (state === "stopped") return "stopped";
  // Waiting for the replica and failing to protect data are both retried.
  if ((state === "failed" || state === "waiting") && retrying) return "starting";
  return state === "failed" || state === "crashloop" || state === "waiting" ? "unavailable" : "starting";
}

export function unitProxy(
  door: FrontDoor,
  healthCheck: ((spec: AppSpec, port?: number) => Promise<void>) | undefined,
): UnitProxy {
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
