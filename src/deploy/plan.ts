import { join } from "node:path";
import type { AppSpec } from "../config/schema.js";
import { VENV } from "./build.js";
import { appDomains } from "../config/domains.js";
import { isDjangoKind } from "../config/kinds.js";

export type StepName =
  "fetch" | "checkout" | "build" | "restore" | "snapshot" | "release" | "start" | "activate" | "switch" | "prune";

export type ActivationMode = "supervisor" | "temporary";

export interface DeployPlanInput {
  spec: AppSpec;
  mode: ActivationMode;
}

/** Pure: databases are restored and snapshotted before the release phase. Without a supervisor,
 * deploy starts the web process itself just for the health check. */
export function planDeploy({ spec, mode }: DeployPlanInput): StepName[] {
  const steps: StepName[] = ["fetch", "checkout", "build"];
  if (spec.databases.length > 0) steps.push("restore", "snapshot");
  steps.push("release");
  steps.push(...(mode === "supervisor" ? (["activate"] as const) : (["start", "switch"] as const)));
  steps.push("prune");
  return steps;
}

export interface PlannedCommand {
  display: string;
  file: string;
  args: string[];
  /** Starts together with the command before it (its output is shown when it ends). */
  alongside?: boolean;
}

/** Pure: the Procfile's `release:` line, else migrate for Django/Wagtail. */
export function releaseCommands(
  spec: AppSpec,
  processes: Record<string, string>,
  releaseDir: string,
): PlannedCommand[] {
  const line = processes.release;
  // Not exec'd like services: a release line may be a compound command, and nothing tracks its pid.
  if (line !== undefined) return [{ display: line, file: "/bin/sh", args: ["-c", line] }];
  if (!isDjangoKind(spec.kind)) return [];
  const python = join(releaseDir, VENV, "bin", "python");
  return [{ display: "manage.py migrate --noinput", file: python, args: ["manage.py", "migrate", "--noinput"] }];
}

/** Pure: the Host header of health checks, so Django's ALLOWED_HOSTS accepts them. */
export function healthHost(spec: AppSpec): string {
  return appDomains(spec)[0] ?? "localhost";
}
