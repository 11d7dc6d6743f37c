import { describe, expect, it } from "vitest";
import type { HostContext } from "../../../src/host/context.js";
import { validateAppSpec } from "../../../src/config/app.js";
import type { DeployResult } from "../../../src/deploy/apply.js";
import type { LastDeploy } from "../../../src/deploy/last-deploy.js";
import { pollOnce, type PollDeps } from "../../../src/deploy/poll.js";
import { HostctlError } from "../../../src/lib/errors.js";

const spec = validateAppSpec({ name: "blog", repo: "/srv/blog.git", port: 8001, deploy: { poll: "10s" } }, "app.yml");
const ctx = {
  clock: { now: () => new Date("2025-01-01T00:00:00Z"), sleep: () => Promise.resolve() },
} as unknown as HostContext;
const A = "a".repeat(40);
const B = "b".repeat(40);

function deps(over: Partial<PollDeps> & { deployed?: string[] } = {}): PollDeps & { deployed: string[] } {
  const deployed = over.deployed ?? [];
  return {
    deployed,
    lsRemote: over.lsRemote ?? (() => Promise.resolve(B)),
    currentCommit: over.currentCommit ?? (() => Promise.resolve(A)),
    lastFailed: over.lastFailed ?? (() => Promise.resolve(undefined)),
    rolledBackFrom: over.rolledBackFrom ?? (() => Promise.resolve(undefined)),
    deploy:
      over.deploy ??
      ((_spec, commit) => {
        deployed.push(commit);
        return Promise.resolve({ release: `20250101T000000Z-${commit.slice(0, 7)}` } as DeployResult);
      }),
  };
}

describe("pollOnce", () => {
  it("does nothing when the branch head is the current release", async () => {
    const d = deps({ lsRemote: () => Promise.resolve(A) });
    const out = await pollOnce(spec, ctx, {}, d);
    expect(out.action).toBe("up-to-date");
    expect(d.deployed).toEqual([]);
  });

  it("leaves the commit an operator rolled back from alone, and deploys the next one", async () => {
    const rolledBack = deps({ rolledBackFrom: () => Promise.resolve(B) });
    expect((await pollOnce(spec, ctx, {}, rolledBack)).action).toBe("skipped-rolled-back");
    expect(rolledBack.deployed).toEqual([]);
    const moved = deps({ lsRemote: () => Promise.resolve("c".repeat(40)), rolledBackFrom: () => Promise.resolve(B) });
    expect((await pollOnce(spec, ctx, {}, moved)).action).toBe("deployed");
  });

  it("deploys a new head by its sha", async () => {
    const d = deps();
    const out = await pollOnce(spec, ctx, {}, d);
    expect(out).toMatchObject({
      action: "deployed",
      commit: B,
      release: "20250101T000000Z-bbbbbbb",
      state: { head: B, checked_at: "2025-01-01T00:00:00.000Z" },
    });
    expect(d.deployed).toEqual([B]);
  });

  it("records a failed commit and does not retry it on the next poll", async () => {
    let calls = 0;
    const d = deps({
      deploy: () => (
        (calls += 1),
        Promise.reject(new HostctlError("DEPLOY_FAILED", 'deploy of blog failed at step "release": boom\ntail'))
      ),
    });
    const first = await pollOnce(spec, ctx, {}, d);
    expect(first).toMatchObject({
      action: "failed",
      state: { failed: { commit: B, error: 'deploy of blog failed at step "release": boom' } },
    });
    const second = await pollOnce(spec, ctx, first.state, d);
    expect(second.action).toBe("skipped-failed");
    expect(second.state.failed?.commit).toBe(B);
    expect(calls).toBe(1);
  });

  it("does not retry a commit whose manual deploy failed (last-deploy.json), across supervisor restarts", async () => {
    const last: LastDeploy = { ok: false, at: "t", ref: B, commit: B, step: "release", error: "boom" };
    const d = deps({ lastFailed: () => Promise.resolve(last) });
    expect((await pollOnce(spec, ctx, {}, d)).action).toBe("skipped-failed");
    expect(d.deployed).toEqual([]);
  });

  it("deploys a newer commit after a failed one and clears the failure", async () => {
    const C = "c".repeat(40);
    const d = deps({ lsRemote: () => Promise.resolve(C) });
    const out = await pollOnce(spec, ctx, { failed: { commit: B, at: "t", error: "boom" } }, d);
    expect(out.action).toBe("deployed");
    expect(out.state.failed).toBeUndefined();
  });

  it("a held deploy lock is not a failure", async () => {
    const d = deps({
      deploy: () => Promise.reject(new HostctlError("DEPLOY_LOCKED", "another deploy of blog is running")),
    });
    const out = await pollOnce(spec, ctx, {}, d);
    expect(out.action).toBe("busy");
    expect(out.state.failed).toBeUndefined();
  });

  it("an unreachable remote is reported in the state, and nothing deploys", async () => {
    const d = deps({ lsRemote: () => Promise.reject(new Error("fatal: could not read from remote\nmore")) });
    const out = await pollOnce(spec, ctx, { head: A }, d);
    expect(out).toMatchObject({ action: "error", state: { head: A, error: "fatal: could not read from remote" } });
  });
});
