import type { CommandResult, Deps } from "../deps.js";
import { requireApp } from "../../apps/registry.js";
import { HostctlError } from "../../lib/errors.js";
import { controlRequest } from "../../supervisor/control-client.js";
import type { AppStatus } from "../../supervisor/app-unit.js";

/** restart | stop | start NAME, through the running supervisor. */
export async function control(action: "restart" | "stop" | "start", name: string, deps: Deps): Promise<CommandResult> {
  await requireApp(deps.paths, name);
  const response = await controlRequest<AppStatus & { error?: string }>(deps.paths, "POST", `/apps/${encodeURIComponent(name)}/${action}`);
  if (!response) throw new HostctlError("SUPERVISOR_NOT_RUNNING", `hostctl up is not running for ${deps.paths.home}`, { hint: "start it: hostctl up" });
  if (response.status !== 200) throw new HostctlError("COMMAND_FAILED", `${action} ${name}: ${response.body.error ?? `status ${response.status}`}`);
  return { text: `${name}: ${response.body.state}${response.body.reason ? ` (${response.body.reason})` : ""}`, data: response.body };
}
