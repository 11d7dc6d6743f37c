import { describe, expect, it } from "vitest";
import {
  isSafeRelativePath,
  parseDeletedRelative,
  planMediaSync,
  planPurge,
  type FileStamp,
} from "../../../src/media/plan.js";

const now = new Date("2025-03-01T12:00:00.000Z");
const old = now.getTime() - 60_000;
const local = (entries: Record<string, FileStamp>) => new Map(Object.entries(entries));

describe("planMediaSync", () => {
  it("uploads files the record does not know", () => {
    const plan = planMediaSync(
      local({ "b.jpg": { size: 2, mtimeMs: old }, "a/x.png": { size: 1, mtimeMs: old } }),
      {},
      now,
      2000,
    );
    expect(plan).toEqual({ upload: ["a/x.png", "b.jpg"], remove: [], pending: [], unchanged: 0 });
  });

  it("uploads a file whose size or mtime differs from the record, and leaves an identical one alone", () => {
    const plan = planMediaSync(
      local({
        same: { size: 5, mtimeMs: old },
        bigger: { size: 6, mtimeMs: old },
        touched: { size: 5, mtimeMs: old + 1 },
      }),
      { same: { size: 5, mtimeMs: old }, bigger: { size: 5, mtimeMs: old }, touched: { size: 5, mtimeMs: old } },
      now,
      2000,
    );
    expect(plan).toEqual({ upload: ["bigger", "touched"], remove: [], pending: [], unchanged: 1 });
  });

  it("leaves a file written within the settle window for the next round, without deleting its older copy", () => {
    const plan = planMediaSync(
      local({ "new.jpg": { size: 9, mtimeMs: now.getTime() - 500 } }),
      { "new.jpg": { size: 3, mtimeMs: old } },
      now,
      2000,
    );
    expect(plan).toEqual({ upload: [], remove: [], pending: ["new.jpg"], unchanged: 0 });
  });

  it("marks recorded files that are gone locally for deletion", () => {
    const plan = planMediaSync(
      local({}),
      { "gone.jpg": { size: 1, mtimeMs: old }, "a/b.txt": { size: 1, mtimeMs: old } },
      now,
      2000,
    );
    expect(plan.remove).toEqual(["a/b.txt", "gone.jpg"]);
  });
});

describe("isSafeRelativePath", () => {
  it.each(["a.jpg", "images/2025/a b.jpg", ".hidden", "a..b"])("accepts %s", (path) => {
    expect(isSafeRelativePath(path)).toBe(true);
  });

  it.each(["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/", "a\\b"])("refuses %j", (path) => {
    expect(isSafeRelativePath(path)).toBe(false);
  });
});

describe("planPurge", () => {
  const at = (ms: number) => new Date(now.getTime() - ms).toISOString();

  it("purges deleted copies older than the retention and keeps younger ones", () => {
    const deleted = [
      { location: "p/old", relative: `${at(73 * 3_600_000)}/a.jpg` },
      { location: "p/young", relative: `${at(3_600_000)}/b.jpg` },
      { location: "p/edge", relative: `${at(72 * 3_600_000)}/c.jpg` },
    ];
    expect(planPurge(deleted, now, 72 * 3_600_000)).toEqual(["p/old", "p/edge"]);
  });

  it("never purges an object whose location does not carry a deletion time", () => {
    expect(
      planPurge(
        [
          { location: "p/x", relative: "not-a-time/a.jpg" },
          { location: "p/y", relative: "a.jpg" },
        ],
        now,
        0,
      ),
    ).toEqual([]);
  });

  it("reads the deletion time and the path back from a deleted location", () => {
    expect(parseDeletedRelative("2025-03-01T11:00:00.000Z/img/a.jpg")).toEqual({
      deletedAt: new Date("2025-03-01T11:00:00.000Z"),
      path: "img/a.jpg",
    });
  });
});
