import { realpath } from "node:fs/promises";
import type { AppSpec } from "../config/schema.js";
import { errorMessage } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import type { AppUnit } from "./app-unit.js";
import type { ActivateResult } from "./control-protocol.js";

export interface ReleaseHooks {
  /** Resolves when the app answers its health check on its port, or rejects with the reason. */
  healthCheck: (spec: AppSpec, port?: number) => Promise<void>;
  /** Points apps/<app>/current at the release, atomically. */
  switchCurrent: (spec: AppSpec, releaseDir: string) => Promise<void>;
}

// Without a proxy the port serves one release at a time: stop old, start new, check, switch;
// on failure the old release starts again. A workers-only release is switched once started.
export async function activateRelease(unit: AppUnit, releaseDir: string, hooks: ReleaseHooks): Promise<ActivateResult> {
  if (unit.blueGreen) {
    try {
      const result = await unit.switchTo(releaseDir, () => hooks.switchCurrent(unit.spec, releaseDir));
      return {
        ok: true,
        gap_s: 0,
        ...(result
          ? {
              switch_ms: result.switch_ms,
              drain_s: result.drain_s,
              ...(result.warning ? { warning: result.warning } : {}),
            }
          : {}),
      };
    } catch (error) {
      return { ok: false, gap_s: 0, error: errorMessage(error) };
    }
  }
  const old = (await pathExists(unit.paths.current)) ? await realpath(unit.paths.current) : undefined;
  const started = Date.now();
  await unit.stopProcesses();
  await unit.startRelease(releaseDir);
  try {
    if (unit.hasWeb) await hooks.healthCheck(unit.spec);
    const gap = (Date.now() - started) / 1000;
    await hooks.switchCurrent(unit.spec, releaseDir);
    return { ok: true, gap_s: gap };
  } catch (error) {
    await unit.stopProcesses();
    if (old) await unit.startRelease(old);
    return { ok: false, gap_s: (Date.now() - started) / 1000, error: errorMessage(error) };
  }
}
