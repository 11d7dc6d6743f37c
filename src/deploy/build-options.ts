import type { HostContext } from "../host/context.js";
import { declaredProcesses } from "../apps/procfile.js";
import type { AppSpec } from "../config/schema.js";
import type { BuildResult, VenvOptions } from "./build.js";
import { findOnPath, installerCacheEnv } from "./installer.js";
import { resolvePython } from "./python-interpreter.js";
import { isDjangoKind } from "../config/kinds.js";

/** Fails when the Python the release asks for is missing. */
export async function buildVenvOptions(
  spec: AppSpec,
  ctx: Pick<HostContext, "paths" | "env" | "run">,
  releaseDir: string,
): Promise<VenvOptions> {
  const declared = await declaredProcesses(spec, releaseDir);
  const uv = await findOnPath("uv", ctx.env.PATH);
  return {
    needsGunicorn: isDjangoKind(spec.kind) && declared.web === undefined,
    cacheEnv: installerCacheEnv(ctx.paths, ctx.env),
    uv: spec.python.installer === "pip" ? undefined : uv,
    python: await resolvePython(ctx.run, spec, releaseDir, ctx.env, uv),
  };
}

export async function venvOptions(w: { spec: AppSpec; ctx: HostContext; dir?: string }): Promise<VenvOptions> {
  return buildVenvOptions(w.spec, w.ctx, w.dir ?? "");
}

/** Pure: the build step's one-line summary. */
export function buildSummary(build: BuildResult): string {
  const parts = [`venv ${build.venv}${build.python ? ` (Python ${build.python})` : ""}`];
  if (build.pip) parts.push("pip install -r requirements.txt");
  if (build.gunicorn) parts.push("gunicorn installed (requirements.txt lacks it and no Procfile web: is given)");
  if (build.collectstatic === "collected") parts.push("collectstatic");
  else if (build.collectstatic === "no staticfiles app")
    parts.push("no collectstatic (django.contrib.staticfiles is not installed)");
  else if (build.collectstatic) parts.push(build.collectstatic);
  return parts.join(" + ");
}
