import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openFilesLimit } from "../../../src/lib/fd-limit.js";
import { connectionCap } from "../../../src/supervisor/control-connections.js";

function limitsFile(line: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "limits-")), "limits");
  writeFileSync(file, `Limit                     Soft Limit           Hard Limit           Units\n${line}\n`);
  return file;
}

describe("the open-files limit and the control connections it allows", () => {
  it("reads the soft limit from /proc's limits table", () => {
    expect(
      openFilesLimit(limitsFile("Max open files            400                  4096                 files")),
    ).toBe(400);
    expect(
      openFilesLimit(limitsFile("Max open files            unlimited            unlimited            files")),
    ).toBeUndefined();
    expect(openFilesLimit("/nonexistent/limits")).toBeUndefined();
  });

  it("gives control connections an eighth of the descriptors, 8 to 64", () => {
    expect([100, 400, 1024, 1_048_576, undefined].map(connectionCap)).toEqual([12, 50, 64, 64, 64]);
    expect(connectionCap(20)).toBe(8);
  });
});
