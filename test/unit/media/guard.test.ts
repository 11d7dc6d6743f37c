import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { mediaRefusal } from "../../../src/media/guard.js";

const spec = (extra: Record<string, unknown> = {}) =>
  validateAppSpec(
    { name: "blog", repo: "/srv/blog.git", port: 8001, databases: [{ path: "db.sqlite3" }], ...extra },
    "app.yml",
  );

describe("mediaRefusal", () => {
  it("lets a deploy through while media lag is within the database lag limit", () => {
    expect(mediaRefusal(spec(), { media: { lag_s: 59 } }, "60s")).toBeUndefined();
    expect(mediaRefusal(spec(), { media: undefined }, "60s")).toBeUndefined();
    expect(mediaRefusal(spec(), undefined, "60s")).toBeUndefined();
  });

  it("refuses when the oldest unshipped media change is older than the app's max_lag, saying why", () => {
    expect(
      mediaRefusal(
        spec({ drill: { max_lag: "10s" } }),
        { media: { lag_s: 12.4, error: "replica unreachable" } },
        "60s",
      ),
    ).toBe(
      "media of blog are 12s behind: the oldest change is not in the replica yet (replica unreachable) (limit 10s)",
    );
  });
});
