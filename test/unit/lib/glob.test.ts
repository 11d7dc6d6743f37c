import { describe, expect, it } from "vitest";
import { matchesAny } from "../../../src/lib/glob.js";

describe("globs", () => {
  it("match * within a segment, ** across segments, ? one character", () => {
    expect(matchesAny("documents/menu.pdf", ["documents/*.pdf"])).toBe(true);
    expect(matchesAny("documents/2024/menu.pdf", ["documents/*.pdf"])).toBe(false);
    expect(matchesAny("documents/2024/menu.pdf", ["documents/**"])).toBe(true);
    expect(matchesAny("menu.pdf", ["**/menu.pdf"])).toBe(true);
    expect(matchesAny("a/b/menu.pdf", ["**/menu.pdf"])).toBe(true);
    expect(matchesAny("img1.png", ["img?.png"])).toBe(true);
    expect(matchesAny("img(1).png", ["img(1).png"])).toBe(true);
  });
});
