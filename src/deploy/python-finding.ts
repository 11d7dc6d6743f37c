import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import type { Finding } from "../django/preflight.js";
import { HostctlError } from "../lib/errors.js";
import { findOnPath } from "./installer.js";
import { resolvePython } from "./python-interpreter.js";

/** Which interpreter and why, or the version nothing provides (a FAIL). */
export async function pythonFinding(
  ctx: Pick<HostContext, "run" | "env">,
  spec: AppSpec,
  releaseDir: string,
): Promise<{ finding: Finding; path?: string }> {
  try {
    const uv = await findOnPath("uv", ctx.env.PATH);
    const python = await resolvePython(ctx.run, spec, releaseDir, ctx.env, uv);
    return {
      finding: { check: "python", level: "ok", detail: `${python.path} (${python.version}; ${python.why})` },
      path: python.path,
    };
  } catch (error) {
    if (!(error instanceof HostctlError) || error.code !== "PYTHON_MISSING") throw error;
    return { finding: { check: "python", level: "error", detail: `${error.message}; ${error.hint ?? ""}` } };
  }
}
