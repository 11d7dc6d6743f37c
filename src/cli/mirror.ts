import type { Deps } from "./deps.js";
import { loadHostContext } from "../host/context.js";
import { mirrorRegistryOrWarn } from "../registry/mirror.js";

/** After a registry change (`removed`: the app that `app remove` unregistered): copy it to the replica target, warning (never failing) when that is unreachable. */
export async function mirrorAfterChange(deps: Deps, removed?: string): Promise<void> {
  const ctx = await loadHostContext(deps);
  try {
    await mirrorRegistryOrWarn(ctx, deps.progress, removed);
  } finally {
    ctx.store.close();
  }
}
