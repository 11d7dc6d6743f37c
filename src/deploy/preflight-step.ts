import type { HostContext } from "../host/context.js";
import { readAppEnv } from "../apps/env.js";
import type { AppSpec } from "../config/schema.js";
import { preflightFindings, releaseFacts } from "../django/preflight.js";
import { StepFailure } from "./steps.js";
import { pythonFinding } from "./python-finding.js";

/** `hostctl app check` minus pip's resolution (the build does it): errors fail before building. */
export async function preflight(
  spec: AppSpec,
  ctx: Pick<HostContext, "paths" | "run" | "env">,
  releaseDir: string,
  progress: (line: string) => void,
): Promise<void> {
  if (spec.kind !== "django" && spec.kind !== "wagtail") return;
  const findings = preflightFindings(
    spec,
    await releaseFacts(spec, releaseDir, await readAppEnv(ctx.paths, spec.name)),
  );
  findings.push((await pythonFinding(ctx, spec, releaseDir)).finding);
  for (const f of findings.filter((x) => x.level === "warning")) progress(`       warning: ${f.check}: ${f.detail}`);
  const errors = findings.filter((f) => f.level === "error");
  if (errors.length > 0) {
    throw new StepFailure("checkout", `preflight: ${errors.map((f) => `${f.check}: ${f.detail}`).join("; ")}`, "");
  }
}
