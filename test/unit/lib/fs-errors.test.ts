import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMissing, isMissingOrNotDir } from "../../../src/lib/fs-errors.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

let dir: string;
beforeAll(async () => {
  dir = await tempDir("fs-errors");
  await writeFile(join(dir, "file"), "x");
});
afterAll(cleanupTempDirs);

const failureOf = (path: string) =>
  readFile(path).then(
    () => undefined,
    (error: unknown) => error,
  );

describe("isMissing", () => {
  it("is true for a read of a path that does not exist", async () => {
    expect(isMissing(await failureOf(join(dir, "absent")))).toBe(true);
  });

  it("is false for a path under a file (ENOTDIR) and for a directory read as a file (EISDIR)", async () => {
    expect(isMissing(await failureOf(join(dir, "file", "below")))).toBe(false);
    expect(isMissing(await failureOf(dir))).toBe(false);
  });

  it("is false for values that are not errors with a code", () => {
    for (const value of [undefined, null, "ENOENT", new Error("ENOENT"), { code: "EACCES" }])
      expect(isMissing(value)).toBe(false);
  });
});

describe("isMissingOrNotDir", () => {
  it("is true for a missing path and for a path under a file", async () => {
    expect(isMissingOrNotDir(await failureOf(join(dir, "absent")))).toBe(true);
    expect(isMissingOrNotDir(await failureOf(join(dir, "file", "below")))).toBe(true);
  });

  it("is false for other failures", async () => {
    expect(isMissingOrNotDir(await failureOf(dir))).toBe(false);
    expect(isMissingOrNotDir(undefined)).toBe(false);
  });
});
