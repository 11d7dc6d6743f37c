import { rm } from "node:fs/promises";
import { join } from "node:path";
import { HostctlError } from "../lib/errors.js";
import { redactUserInfo } from "../lib/redact-url.js";
import { readCurrent } from "./releases.js";
import { restoreChanged } from "./snapshot.js";
import { failureMessage, StepFailure } from "./steps.js";
import type { Work } from "./deploy-work.js";
import { recordLastDeploy } from "./last-deploy.js";

/** Puts the database back (if changed), removes a half-made release dir; one error for the user. */
export async function handleFailure(work: Work, error: unknown): Promise<unknown> {
  if (!(error instanceof StepFailure)) return error;
  const notes: string[] = [];
  if (error.step === "release" && work.snapshots.length > 0) {
    const restored = await restoreChanged(work.ctx.run, work.snapshots);
    notes.push(
      restored.length > 0
        ? `restored ${restored.join(", ")} from snapshots/${work.release ?? ""}/`
        : "databases unchanged by the failed release phase",
    );
  }
  if (work.dir && work.release !== (await readCurrent(work.app))) await rm(work.dir, { recursive: true, force: true });
  // A first release snapshots beside its build (stages.ts): a failed build leaves no snapshot.
  if (error.step === "build" && work.release)
    await rm(join(work.app.snapshots, work.release), { recursive: true, force: true });
  await recordLastDeploy(work, {
    ok: false,
    at: work.ctx.clock.now().toISOString(),
    ref: work.ref,
    ...(work.commit ? { commit: work.commit.sha } : {}),
    step: error.step,
    error: error.message,
  });
  const serving = work.previous ? `releases/${work.previous} is still current` : "no release is current yet";
  // A full disk keeps its own code: the fix is space, not the commit or the remote.
  const diskFull = error.cause instanceof HostctlError && error.cause.code === "DISK_FULL";
  return new HostctlError(diskFull ? "DISK_FULL" : "DEPLOY_FAILED", failureMessage(work.spec.name, error), {
    cause: error,
    hint: [serving, ...notes, nextStep(work, error)].join("; "),
  });
}

function nextStep(work: Work, failure: StepFailure): string {
  const cause: unknown = failure.cause;
  if (cause instanceof HostctlError && cause.hint && cause.code !== "COMMAND_FAILED") return cause.hint;
  if (failure.step === "fetch")
    return `check the remote: git ls-remote --end-of-options ${redactUserInfo(work.spec.repo)}`;
  if (failure.step === "restore") return "run: hostctl doctor";
  if (failure.step === "start" && failure.message.includes("in use"))
    return `find what listens there: ss -ltnp 'sport = :${work.spec.port}' (a stray app process? hostctl up ends strays)`;
  return `fix the commit and run: hostctl deploy ${work.spec.name}`;
}
