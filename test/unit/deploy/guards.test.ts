import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { hasRequirements } from "../../../src/deploy/build.js";
import { renderHookData, renderPostReceive, shQuote } from "../../../src/deploy/push.js";
import { litestreamRefusal } from "../../../src/deploy/supervisor-link.js";
import { refCandidates, fetchArgs } from "../../../src/deploy/git.js";

const spec = (extra: Record<string, unknown> = {}) =>
  validateAppSpec(
    { name: "blog", repo: "/srv/blog.git", port: 8001, databases: [{ path: "db.sqlite3" }], ...extra },
    "app.yml",
  );

describe("litestreamRefusal", () => {
  it("allows a release phase while Litestream runs and is fresh", () => {
    expect(
      litestreamRefusal(
        spec(),
        { name: "blog", litestream: { state: "running" }, replication: [{ database: "db.sqlite3", lag_s: 2 }] },
        "60s",
      ),
    ).toBeUndefined();
  });

  it("refuses while Litestream is down, far behind, or the app is not run by the supervisor", () => {
    expect(litestreamRefusal(spec(), { name: "blog", litestream: { state: "backoff" } }, "60s")).toBe(
      "Litestream for blog is backoff",
    );
    // The shape of the supervisor's GET /status: lag per database under `replication`.
    const behind = {
      name: "blog",
      litestream: { state: "running" },
      replication: [
        { database: "db.sqlite3", lag_s: 1 },
        { database: "queue.sqlite3", lag_s: 300 },
      ],
    };
    expect(litestreamRefusal(spec(), behind, "60s")).toBe(
      "Litestream for blog is 300s behind on queue.sqlite3 (limit 60s)",
    );
    expect(litestreamRefusal(spec({ drill: { max_lag: "10m" } }), behind, "60s")).toBeUndefined();
    expect(litestreamRefusal(spec(), undefined, "60s")).toBe(
      "the supervisor does not run blog, so nothing replicates its databases",
    );
  });

  it("has nothing to guard for an app without databases", () => {
    expect(litestreamRefusal(spec({ databases: [] }), undefined, "60s")).toBeUndefined();
  });
});

describe("hasRequirements", () => {
  it.each([
    [undefined, false],
    ["# Django comes from Debian\n\n", false],
    ["--index-url https://x\n", false],
    ["Django>=3.2  # web\n", true],
    ["-r base.txt\n", true],
  ])("%j → %s", (text, expected) => {
    expect(hasRequirements(text)).toBe(expected);
  });
});

describe("git argv", () => {
  it("mirrors branches and tags with prune", () => {
    expect(fetchArgs("/h/repo.git", "https://git.example.com/blog.git")).toEqual([
      "--git-dir=/h/repo.git",
      "fetch",
      "--prune",
      "--no-auto-gc",
      "--quiet",
      "--end-of-options",
      "https://git.example.com/blog.git",
      "+refs/heads/*:refs/heads/*",
      "+refs/tags/*:refs/tags/*",
    ]);
  });

  it("looks pushed refs up first for push deploys", () => {
    expect(refCandidates("main", true)).toEqual(["refs/push/heads/main", "refs/heads/main", "refs/tags/main", "main"]);
  });

  it("looks a full commit id up as itself first, as git reads one", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(refCandidates(sha, false)).toEqual([sha, `refs/heads/${sha}`, `refs/tags/${sha}`]);
    expect(refCandidates("0123456", false)).toEqual(["refs/heads/0123456", "refs/tags/0123456", "0123456"]);
  });
});

describe("post-receive hook", () => {
  it("deploys only the app's branch with the pushed sha, reading every value as data from its data file", () => {
    const input = {
      app: "blog",
      branch: "m$(touch${IFS}/tmp/pwned)",
      node: "/usr/bin/node",
      cli: "/opt/host ctl/dist/cli/main.js",
      home: "/var/lib/hostctl",
    };
    const hook = renderPostReceive();
    expect(hook).toContain(`"$node" "$cli" --home "$home" deploy "$app" --ref "$new" --from-push 2>&1`);
    expect(hook).toContain(`if [ "$ref" != "refs/heads/$branch" ]; then`);
    expect(hook).toContain("unset GIT_DIR");
    expect(hook).not.toContain("pwned");
    expect(renderHookData(input)).toBe(
      "/usr/bin/node\n/opt/host ctl/dist/cli/main.js\n/var/lib/hostctl\nblog\nm$(touch${IFS}/tmp/pwned)\n",
    );
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
  });
});
