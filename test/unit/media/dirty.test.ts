import { describe, expect, it } from "vitest";
import { DirtySet } from "../../../src/media/dirty.js";

describe("DirtySet", () => {
  it("reads 0 lag when nothing is dirty and the age of the oldest change otherwise", () => {
    const dirty = new DirtySet();
    expect(dirty.lagSeconds(10_000)).toBe(0);
    dirty.note("a.jpg", 1000);
    dirty.note("b.jpg", 4000);
    expect(dirty.lagSeconds(6000)).toBe(5);
    expect(dirty.oldest()).toBe(1000);
  });

  it("keeps a path changed again while it was shipped dirty, with its first change time", () => {
    const dirty = new DirtySet();
    dirty.note("a.jpg", 1000);
    const [claim] = dirty.due(1000, 10);
    dirty.note("a.jpg", 2000);
    dirty.done("a.jpg", claim!.seq);
    expect(dirty.size).toBe(1);
    expect(dirty.lagSeconds(3000)).toBe(2);
    const [again] = dirty.due(3000, 10);
    dirty.done("a.jpg", again!.seq);
    expect(dirty.size).toBe(0);
    expect(dirty.lagSeconds(3000)).toBe(0);
  });

  it("hands out deferred paths only once their time comes, in the order they became dirty", () => {
    const dirty = new DirtySet();
    dirty.note("late.jpg", 3000);
    dirty.note("early.jpg", 1000);
    dirty.note("writing.mp4", 2000);
    dirty.defer("writing.mp4", 5000);
    expect(dirty.due(4000, 10).map((c) => c.path)).toEqual(["late.jpg", "early.jpg"]);
    expect(dirty.due(4000, 1).map((c) => c.path)).toEqual(["late.jpg"]);
    expect(dirty.nextDue()).toBe(1000);
    dirty.drop("early.jpg");
    dirty.drop("late.jpg");
    expect(dirty.nextDue()).toBe(5000);
    // Deferred paths still count as lag: the change is not in the replica.
    expect(dirty.lagSeconds(6000)).toBe(4);
    expect(dirty.due(5000, 10).map((c) => c.path)).toEqual(["writing.mp4"]);
  });
});
