import type { AppSpec } from "../config/schema.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { proveListener } from "./prove-listener.js";
import { exposedAddresses, exposureWarning } from "./port-exposure.js";
import type { ReleaseProcessSet } from "./release-set.js";

/** What an app unit needs from the front door. */
export interface UnitProxy {
  /** The internal port of the app's pair that is not live. */
  idlePort: (app: string) => Promise<number>;
  /** Switches the app's upstream in one admin call; resolves the milliseconds it took. */
  switchTo: (app: string, port: number, releaseDir: string) => Promise<number>;
  /** Resolves when the proxy sends no request to the port any more (or after the timeout). */
  waitIdle: (port: number, timeoutMs: number) => Promise<void>;
  /** The app serves nothing any more (503). */
  forget: (app: string) => void;
  /** How long an old web process may drain after the switch (proxy.graceful_timeout). */
  drainMs: number;
  /** proxy.require_loopback: a web listening beyond loopback fails the switch, not a warning. */
  requireLoopback?: boolean;
  /** The deploy's health check on the port; none: not checked. */
  healthCheck?: (spec: AppSpec, port: number) => Promise<void>;
}

export interface SwitchResult {
  port: number;
  switch_ms: number;
  drain_s: number;
  /** The new web process listens beyond loopback (its internal port may face the internet). */
  warning?: string;
}

export interface SwitchInput {
  proxy: UnitProxy;
  spec: AppSpec;
  start: (port: number) => Promise<ReleaseProcessSet | undefined>;
  /** Makes `next` the unit's live set; returns the one it replaces. */
  swap: (next: ReleaseProcessSet) => ReleaseProcessSet | undefined;
  afterSwitch?: () => Promise<void>;
}

// A failed check stops only the new processes: the live release and the proxy were never
// touched.
export async function switchRelease(input: SwitchInput): Promise<SwitchResult | undefined> {
  const { proxy, spec } = input;
  const port = await proxy.idlePort(spec.name);
  const next = await input.start(port);
  if (!next) return undefined;
  let warning: string | undefined;
  try {
    if (next.hasWeb && proxy.healthCheck) {
      await proxy.healthCheck(spec, port);
      // The answer must come from the web process just started, not a stray holding the idle port.
      await proveListener(port, next.webPid);
      warning = exposureWarning(port, await exposedAddresses(port));
    }
  } catch (error) {
    const output = next.outputTail();
    await next.stop();
    throw failed(spec.name, `failed its health check on 127.0.0.1:${port}: ${errorMessage(error)}`, output);
  }
  if (warning && proxy.requireLoopback) {
    const output = next.outputTail();
    await next.stop();
    throw failed(spec.name, `was refused because proxy.require_loopback is true in hostctl.yml: ${warning}`, output);
  }
  const switchMs = await proxy.switchTo(spec.name, port, next.releaseDir);
  const old = input.swap(next);
  await input.afterSwitch?.();
  const drainStarted = Date.now();
  if (old) {
    // SIGTERM closes the listener and the kernel would reset connections still queued, so
    // requests sent to the old port finish first.
    await proxy.waitIdle(old.port, proxy.drainMs);
    await old.stop(Math.max(1000, proxy.drainMs - (Date.now() - drainStarted)));
  }
  return { port, switch_ms: switchMs, drain_s: (Date.now() - drainStarted) / 1000, ...(warning ? { warning } : {}) };
}

function failed(app: string, why: string, outputTail: string): HostctlError {
  const output = outputTail.trim();
  return new HostctlError(
    "DEPLOY_FAILED",
    `the new release of ${app} ${why}; its processes were stopped and the live release kept serving${output ? `\noutput of the new web process (last lines):\n${output.split("\n").slice(-20).join("\n")}` : ""}`,
    { hint: `run: hostctl logs ${app} --process web` },
  );
}
