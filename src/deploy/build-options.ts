import type { HostContext } from "../host/context.js";
import { declaredProcesses } from "../apps/procfile.js";
import type { AppSpec } from "../config/schema.js";
import type { BuildResult, VenvOptions } from "./build.js";
import { findOnPath, installerCacheEnv } from "./installer.js";
import { isDjangoKind } from "../config/kinds.js";

/** What the venv build needs to know about a release beyond its requirements. */
export async function buildVenvOptions(spec: AppSpec, ctx: Pick<HostContext, "paths" | "env">, releaseDir: string): Promise<VenvOptions> {
  const declared = await declaredProcesses(spec, releaseDir);
  return {
    needsGunicorn: isDjangoKind(spec.kind) && declared.web === undefined,
    cacheEnv: installerCacheEnv(ctx.paths, ctx.env),
    uv: spec.python.installer === "pip" ? undefined : await findOnPath("uv", ctx.env.PATH),
  };
}

export async function venvOptions(w: { spec: AppSpec; ctx: HostContext; dir?: string }): Promise<VenvOptions> {
  return buildVenvOptions(w.spec, w.ctx, w.dir ?? "");
}

/** Pure: the build step's one-line summary. */
export function buildSummary(build: BuildResult): string {
  const parts = [`venv ${build.venv}`];
  if (build.pip) parts.push("pip install -r requirements.txt");
  if (build.gunicorn) parts.push("gunicorn installed (requirements.txt lacks it and no Procfile web: is given)");
  if (build.collectstatic === "collected") parts.push("collectstatic");
  else if (build.collectstatic === "no staticfiles app") parts.push("no collectstatic (django.contrib.staticfiles is not installed)");
  else if (build.collectstatic) parts.push(build.collectstatic);
  return parts.join(" + ");
}
