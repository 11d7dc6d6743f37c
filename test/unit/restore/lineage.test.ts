import { describe, expect, it } from "vitest";
import { lineageDecision, type LineageRecord } from "../../../src/restore/lineage.js";

const mine = (lineage: number): LineageRecord => ({ lineage, host_id: "host-a", at: "2025-03-01T12:00:00.000Z" });
const theirs = (lineage: number): LineageRecord => ({ ...mine(lineage), host_id: "host-b" });

describe("lineageDecision", () => {
  it("refuses a copy older than the replica's lineage: another copy has written there since", () => {
    expect(lineageDecision(theirs(4), 3, false, "host-a")).toEqual({ action: "refuse", local: 3, replica: theirs(4) });
  });

  it("refuses a copy of the same number that another host claimed (two copies raced to one number)", () => {
    expect(lineageDecision(theirs(3), 3, false, "host-a")).toMatchObject({ action: "refuse" });
  });

  it("keeps its own lineage across restarts of the same copy", () => {
    expect(lineageDecision(mine(3), 3, false, "host-a")).toEqual({ action: "keep" });
  });

  it("starts a new lineage for a copy restored (or created fresh) at this boot, over any number it held before", () => {
    expect(lineageDecision(theirs(4), 3, true, "host-a")).toEqual({ action: "advance", lineage: 5 });
    expect(lineageDecision(undefined, undefined, true, "host-a")).toEqual({ action: "advance", lineage: 1 });
  });

  it("takes a copy without a number (older hostctl, a promoted LiteFS replica) or a replica without one as current", () => {
    expect(lineageDecision(theirs(4), undefined, false, "host-a")).toEqual({ action: "advance", lineage: 5 });
    expect(lineageDecision(undefined, 2, false, "host-a")).toEqual({ action: "advance", lineage: 3 });
  });

  it("advances past a replica number lower than its own (a record write that failed last time)", () => {
    expect(lineageDecision(mine(2), 3, false, "host-a")).toEqual({ action: "advance", lineage: 4 });
  });
});
