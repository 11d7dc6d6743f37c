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
    expect(result.detail).toMatch(
      /^22 of 23 referenced files are not in the replica: img\/01.jpg \(wagtailimages.Image.file\), /,
    );
    expect(result.detail).toMatch(/img\/20.jpg \(wagtailimages.Image.file\) and 2 more$/);
  });

  it("passes when every reference is in the replica, and says which fields it could not check", () => {
    const result = checkMediaReferences(
      {
        references: [["a.pdf", "docs.Doc.file"]],
        skipped: ["shop.Product.image (storage outside MEDIA_ROOT)"],
        errors: [],
      },
      new Set(["a.pdf"]),
    );
    expect(result).toEqual({
      name: "media_references",
      ok: true,
      detail: "1 referenced files are all in the replica; not checked: shop.Product.image (storage outside MEDIA_ROOT)",
    });
  });
});

describe("checkMediaReferences with the live host and ignore globs", () => {
  const refs = {
    references: [
      ["documents/brochure.pdf", "wagtaildocs.Document.file"],
      ["documents/menu.pdf", "wagtaildocs.Document.file"],
      ["original_images/boat.png", "wagtailimages.Image.file"],
    ] as [string, string][],
    skipped: [],
    errors: [],
  };

  it("warns, without failing, about referenced files missing on the live host as well, naming them", () => {
    const result = checkMediaReferences(refs, new Set(["original_images/boat.png"]), {
      live: new Set(["original_images/boat.png"]),
    });
    expect(result.ok).toBe(true);
    expect(result.detail).toBe(
      "1 referenced files are all in the replica; warning: 2 missing on the live host as well (never uploaded or deleted; drills.media_references.ignore silences them): documents/brochure.pdf (wagtaildocs.Document.file), documents/menu.pdf (wagtaildocs.Document.file)",
    );
  });

  it("fails for a file the live host has but the replica lacks", () => {
    const result = checkMediaReferences(refs, new Set(), { live: new Set(["original_images/boat.png"]) });
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(
      /^1 of 1 referenced files are not in the replica: original_images\/boat.png \(wagtailimages.Image.file\); warning: 2 missing/,
    );
  });

  it("fails for every absent file when there is no live host to compare with", () => {
    expect(checkMediaReferences(refs, new Set(["original_images/boat.png"])).ok).toBe(false);
  });

  it("does not look for files matching drills.media_references.ignore", () => {
    const result = checkMediaReferences(refs, new Set(["original_images/boat.png"]), { ignore: ["documents/**"] });
    expect(result).toMatchObject({
      ok: true,
      detail: "1 referenced files are all in the replica; 2 ignored by drills.media_references.ignore",
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
