import { describe, expect, it } from "vitest";
import { formatDrill } from "../../../src/cli/commands/drill.js";
import type { DrillResult } from "../../../src/drills/result.js";

const result = (generation: string | null): DrillResult => ({
  ok: true,
  app: "shop",
  started_at: "2026-12-06T03:00:00.000Z",
  duration_ms: 1200,
  trigger: "cli",
  live: true,
  versions: null,
  databases: [
    { path: "db.sqlite3", ok: true, generation, restore_ms: 300, bytes: 4096, lag_s: 1, integrity: null, checks: [] },
  ],
});

describe("formatDrill", () => {
  it("names the generation Litestream 0.3 restored from", () => {
    expect(formatDrill(result("0123456789abcdef"))).toContain(
      "db.sqlite3: RTO 300 ms, RPO 1s, generation 0123456789abcdef",
    );
  });

  it("says nothing of a generation when the engine names none (Litestream 0.5)", () => {
    const text = formatDrill(result(null));
    expect(text.endsWith("db.sqlite3: RTO 300 ms, RPO 1s")).toBe(true);
    expect(text).not.toContain("generation");
  });
});
