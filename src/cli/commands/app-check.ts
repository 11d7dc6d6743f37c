import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandResult, Deps } from "../deps.js";
import { loadHostContext } from "../../host/context.js";
import { readAppEnv } from "../../apps/env.js";
import { releaseProcesses } from "../../apps/procfile.js";
import { requireApp } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import { fetchMirror, materialise, refCandidates, resolveCommit } from "../../deploy/git.js";
import { installerCacheEnv } from "../../deploy/installer.js";
import { preflightFindings, releaseFacts, type Finding } from "../../django/preflight.js";
import { checkRequirementsResolve } from "../../django/requirements-check.js";
import { pythonFinding } from "../../deploy/python-finding.js";

const MARK = { ok: "ok  ", info: "info", warning: "warn", error: "FAIL" } as const;

export interface AppCheckOptions {
  ref?: string;
}

/** What a deploy of the commit would find, without deploying. */
export async function appCheck(name: string, options: AppCheckOptions, deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  const ctx = await loadHostContext(deps);
  const app = appPaths(deps.paths, name);
  const ref = options.ref ?? spec.branch;
  const dir = await mkdtemp(join(tmpdir(), `hostctl-check-${name}-`));
  try {
    await fetchMirror(ctx.run, app.repo, spec.repo);
    const commit = await resolveCommit(ctx.run, app.repo, refCandidates(ref, false));
    const release = join(dir, "release");
    await materialise(ctx.run, app.repo, commit.sha, release);
    let findings: Finding[];
    if (spec.kind === "generic") {
      const web = (await releaseProcesses(spec, release)).web;
      findings = [
        web
          ? { check: "web", level: "ok", detail: web }
          : { check: "web", level: "info", detail: "no web process (workers only; no health check)" },
      ];
    } else {
      findings = preflightFindings(spec, await releaseFacts(spec, release, await readAppEnv(deps.paths, name)));
      const python = await pythonFinding(ctx, spec, release);
      findings.push(python.finding);
      if (python.path)
        findings.push(
          await checkRequirementsResolve(ctx.run, python.path, release, installerCacheEnv(deps.paths, deps.env)),
        );
    }
    findings = findings.map((f) => ({ ...f, detail: f.detail.replaceAll(release, "<release>") }));
    const failed = findings.some((f) => f.level === "error");
    const lines = [
      `${name} @ ${ref} → ${commit.sha.slice(0, 7)} "${commit.message}"`,
      ...findings.map((f) => `${MARK[f.level]}  ${f.check}: ${f.detail}`),
      failed
        ? `not ready: fix the FAIL lines, then hostctl deploy ${name}`
        : `ready: hostctl deploy ${name}${options.ref ? ` --ref ${options.ref}` : ""}`,
    ];
    return {
      text: lines.join("\n"),
      data: { app: name, ref, commit: commit.sha, ok: !failed, findings },
      exitCode: failed ? 1 : 0,
    };
  } finally {
    ctx.store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
