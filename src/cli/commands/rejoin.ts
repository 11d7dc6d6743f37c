import type { CommandResult, Deps } from "../deps.js";
import { loadHostContext } from "../../host/context.js";
import { rejoinFromReplica } from "../../lease/rejoin.js";

/** A host replaced while down gives up its copies; the next `up` restores the replica's. */
export async function rejoin(deps: Deps): Promise<CommandResult> {
  const ctx = await loadHostContext(deps);
  const result = await rejoinFromReplica(ctx);
  const moved = result.apps.flatMap((a) => a.set_aside.map((file) => `${a.app}/${file}`));
  return {
    text: [
      moved.length === 0
        ? "no local copies to set aside"
        : `set aside as *.stale-<time> (kept, not deleted): ${moved.join(", ")}`,
      "next: hostctl up (it restores the replica's databases; it waits while another host holds the lease)",
    ].join("\n"),
    data: result,
  };
}
