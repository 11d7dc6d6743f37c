import { describe, expect, it } from "vitest";
import { reportUnshipped, unshippedAt } from "../../../src/supervisor/unshipped.js";
import { createLogger } from "../../../src/lib/log.js";

describe("writes unshipped at a stop", () => {
  it("are the databases behind at the last reading, their lag carried to the stop", () => {
    const replication = [
      { database: "/d/db.sqlite3", lag_s: 4.2, behind: true },
      { database: "/d/other.sqlite3", lag_s: 0, behind: false },
    ];
    expect(unshippedAt(replication, 10_000, 13_000)).toEqual([{ database: "/d/db.sqlite3", lag_s: 7.2 }]);
    expect(unshippedAt([{ database: "/d/db.sqlite3", lag_s: 0, behind: false }], 10_000, 13_000)).toEqual([]);
    expect(unshippedAt(undefined, undefined, 13_000)).toEqual([]);
  });

  it("are said in the log and on stderr, and nothing is said when every write was shipped", () => {
    const lines: string[] = [];
    const stderr: string[] = [];
    const log = createLogger("info", { write: (line: string) => void lines.push(line) });
    reportUnshipped(log, "shop", [], (l) => void stderr.push(l));
    expect([lines, stderr]).toEqual([[], []]);
    reportUnshipped(log, "shop", [{ database: "/d/db.sqlite3", lag_s: 7.2 }], (l) => void stderr.push(l));
    expect(lines.join("")).toContain('"event":"litestream.unshipped_at_stop"');
    expect(lines.join("")).toContain('"lag_s":7.2');
    expect(stderr).toEqual([
      expect.stringMatching(/^hostctl: warning: shop: the last 7.2 s of writes to \/d\/db.sqlite3 had not reached/),
    ]);
  });
});
