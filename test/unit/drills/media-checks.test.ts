import { describe, expect, it } from "vitest";
import { checkMediaFreshness, checkMediaReferences } from "../../../src/drills/media-checks.js";

describe("checkMediaReferences", () => {
  it("names every missing file with the field that references it, beyond 20 counting the rest", () => {
    const references: [string, string][] = Array.from({ length: 23 }, (_, i) => [
      `img/${String(i).padStart(2, "0")}.jpg`,
      "wagtailimages.Image.file",
    ]);
    const result = checkMediaReferences({ references, skipped: [], errors: [] }, new Set(["img/00.jpg"]));
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^22 of 23 referenced files are not in the replica: img\/01.jpg \(wagtailimages.Image.file\), /);
    expect(result.detail).toMatch(/img\/20.jpg \(wagtailimages.Image.file\) and 2 more$/);
  });

  it("passes when every reference is in the replica, and says which fields it could not check", () => {
    const result = checkMediaReferences(
      { references: [["a.pdf", "docs.Doc.file"]], skipped: ["shop.Product.image (storage outside MEDIA_ROOT)"], errors: [] },
      new Set(["a.pdf"]),
    );
    expect(result).toEqual({
      name: "media_references",
      ok: true,
      detail: "1 referenced files are all in the replica; not checked: shop.Product.image (storage outside MEDIA_ROOT)",
    });
  });
});

describe("checkMediaFreshness", () => {
  const now = new Date("2026-01-01T00:10:00Z");
  const at = (secondsAgo: number) => ({ size: 10, mtimeMs: now.getTime() - secondsAgo * 1000 });

  it("passes while unshipped files are younger than max_lag, reporting the lag", () => {
    const result = checkMediaFreshness(
      new Map([
        ["new.jpg", at(5)],
        ["old.jpg", at(500)],
      ]),
      new Map([["old.jpg", 10]]),
      now,
      60_000,
    );
    expect(result).toEqual({
      lagS: 5,
      check: { name: "media_freshness", ok: true, detail: "1 live media files not yet shipped, oldest 5s (limit 60s)" },
    });
  });

  it("fails naming the files older than max_lag that the replica lacks or holds at another size", () => {
    const result = checkMediaFreshness(
      new Map([
        ["late.jpg", at(90)],
        ["changed.jpg", at(120)],
        ["fine.jpg", at(300)],
      ]),
      new Map([
        ["changed.jpg", 3],
        ["fine.jpg", 10],
      ]),
      now,
      60_000,
    );
    expect(result.lagS).toBe(120);
    expect(result.check).toEqual({
      name: "media_freshness",
      ok: false,
      detail: "2 live media files older than 60s are not in the replica: changed.jpg, late.jpg",
    });
  });
});
