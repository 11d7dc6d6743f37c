import type { CommandResult, Deps } from "../deps.js";
import { checkEditedApp, requireApp } from "../../apps/registry.js";
import { loadHostConfig } from "../../config/host.js";
import { mirrorAfterChange } from "../mirror.js";
import { HostctlError } from "../../lib/errors.js";
import { callControl } from "../../supervisor/control-client.js";
import type { RestartResult } from "../../supervisor/control-protocol.js";

export type ControlAction = "restart" | "stop" | "start";

// Exit 1 with the supervisor's reason; the app stays supervised and may recover on its own.
function refuseNotStarted(action: "restart" | "start", body: RestartResult): void {
  const retrying = body.state === "waiting" && body.next_retry_at !== undefined;
  if (body.state !== "failed" && body.state !== "crashloop" && !retrying) return;
  throw new HostctlError(
    "APP_FAILED",
    `${body.name} is ${body.state} after ${action}: ${body.reason ?? "no reason given"}`,
    {
      hint: retrying
        ? `the supervisor tries again at ${body.next_retry_at}; hostctl status shows how it goes`
        : `see why in its output: hostctl logs ${body.name}`,
    },
  );
}

// An edited app.yml is checked before a restart (exit 2 naming file and key), leaving the
// running app untouched if it is invalid.
export async function control(action: ControlAction, name: string, deps: Deps): Promise<CommandResult> {
  if (action === "restart") await checkEditedApp(deps.paths, await loadHostConfig(deps.paths), name);
  else await requireApp(deps.paths, name);
  const response = await callControl(deps.paths, action, { name });
  if (!response)
    throw new HostctlError("SUPERVISOR_NOT_RUNNING", `hostctl up is not running for ${deps.paths.home}`, {
      hint: "start it: hostctl up",
    });
  if (!response.ok) throw new HostctlError("COMMAND_FAILED", `${action} ${name}: ${response.error}`);
  const body: RestartResult = response.body;
  if (action !== "stop") refuseNotStarted(action, body);
  // The replica's registry holds each app's spec: an edited one goes there now.
  if (body.reloaded) await mirrorAfterChange(deps);
  const reloaded = body.reloaded ? "app.yml changed, app reloaded; " : "";
  const switched =
    body.switch_ms === undefined
      ? ""
      : `; switch: upstream changed in ${body.switch_ms} ms; old release drained in ${(body.drain_s ?? 0).toFixed(1)} s${body.warning ? `\nwarning: ${body.warning}` : ""}`;
  return { text: `${name}: ${reloaded}${body.state}${body.reason ? ` (${body.reason})` : ""}${switched}`, data: body };
}
