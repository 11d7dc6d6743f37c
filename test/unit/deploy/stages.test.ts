import { describe, expect, it } from "vitest";
import { deployStages, planOrder } from "../../../src/deploy/stages.js";
import type { StepName } from "../../../src/deploy/plan.js";

const WITH_DB: StepName[] = ["fetch", "checkout", "build", "restore", "snapshot", "release", "activate", "prune"];

describe("deployStages", () => {
  it("restores beside the checkout and the build, only once the fetch has resolved the ref", () => {
    expect(deployStages(WITH_DB, false).slice(0, 2)).toEqual([[["fetch"]], [["checkout", "build"], ["restore"]]]);
  });

  it("keeps the snapshot alone, right before the release phase, while an old release may be writing", () => {
    const stages = deployStages(WITH_DB, false);
    expect(stages.slice(2)).toEqual([[["snapshot"]], [["release"]], [["activate"]], [["prune"]]]);
  });

  it("snapshots after the restore, beside the build, when no release runs (a first release, or no supervisor)", () => {
    expect(deployStages(WITH_DB, true).slice(1)).toEqual([
      [
        ["checkout", "build"],
        ["restore", "snapshot"],
      ],
      [["release"]],
      [["activate"]],
      [["prune"]],
    ]);
  });

  it("runs every step of every planned deploy exactly once, the release phase after the snapshot", () => {
    for (const first of [true, false]) {
      const order = deployStages(WITH_DB, first).flat(2);
      expect([...order].sort()).toEqual([...WITH_DB].sort());
      expect(order.indexOf("release")).toBeGreaterThan(order.indexOf("snapshot"));
      expect(order.indexOf("release")).toBeGreaterThan(order.indexOf("build"));
    }
  });

  it("leaves a plan without databases in order, one step per stage", () => {
    const steps: StepName[] = ["fetch", "checkout", "build", "release", "start", "switch", "prune"];
    expect(deployStages(steps, true)).toEqual(steps.map((s) => [[s]]));
  });

  it("reports steps that ran side by side in plan order", () => {
    const records = [{ name: "restore" as const }, { name: "fetch" as const }, { name: "checkout" as const }];
    expect(planOrder(records, WITH_DB).map((r) => r.name)).toEqual(["fetch", "checkout", "restore"]);
  });
});
