import type { Deps } from "./deps.js";
import { loadHostContext } from "../host/context.js";
import { mirrorRegistryOrWarn } from "../registry/mirror.js";

/** Warns, never fails, when the replica is unreachable; `removed` is the app just unregistered. */
export async function mirrorAfterChange(deps: Deps, removed?: string): Promise<void> {
  const ctx = await loadHostContext(deps);
  try {
    await mirrorRegistryOrWarn(ctx, deps.progress, removed);
  } finally {
    ctx.store.close();
  }
}
