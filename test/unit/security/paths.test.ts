import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeScratch } from "../../../src/drills/scratch.js";
import { isInside, pathInside } from "../../../src/lib/safe-path.js";
import { appPaths, hostPaths } from "../../../src/config/paths.js";
import { redactUserInfo } from "../../../src/lib/redact-url.js";

describe("pathInside", () => {
  it("joins parts that stay under the root", () => {
    expect(pathInside("/h/apps", "blog", "data")).toBe("/h/apps/blog/data");
    expect(isInside("/h/apps", "/h/apps")).toBe(true);
  });

  it.each([["../x"], ["a/../../x"], ["/etc"], ["..", "apps2"], ["a\0b"]])("refuses %j", (...parts) => {
    expect(() => pathInside("/h/apps", ...parts)).toThrow("would leave /h/apps");
  });

  it("does not take a sibling with the same prefix for inside", () => {
    expect(isInside("/h/apps", "/h/apps2/x")).toBe(false);
  });
});

describe("appPaths", () => {
  it.each(["../../outside/victimapp", "..", "Blog", "a/b", ""])(
    "refuses the name %j before building a path",
    (name) => {
      expect(() => appPaths(hostPaths("/h"), name)).toThrow("expected a lowercase letter");
    },
  );
});

describe("redactUserInfo", () => {
  it.each([
    [
      "fatal: unable to access 'https://user:TOKEN@git.example.com/x.git/'",
      "fatal: unable to access 'https://***@git.example.com/x.git/'",
    ],
    ["git fetch https://TOKEN@h/x.git main", "git fetch https://***@h/x.git main"],
    ["user:pw@host:x.git", "***@host:x.git"],
    ["https://h/x.git /srv/x.git git@h:x.git", "https://h/x.git /srv/x.git git@h:x.git"],
    ['repo: got "https://h/x.git?access_token=T0KEN"', 'repo: got "https://h/x.git?***"'],
    ["fatal: https://h/x.git?private_token=T0KEN&a=b/info/refs not found", "fatal: https://h/x.git?*** not found"],
  ])("%j → %j", (text, redacted) => {
    expect(redactUserInfo(text)).toBe(redacted);
  });
});

describe("drill scratch", () => {
  it("is a 0700 directory under a 0700 run/drills", async () => {
    const home = await mkdtemp(join(tmpdir(), "hostctl-scratch-"));
    try {
      const dir = await makeScratch(hostPaths(home), "blog");
      expect(((await stat(dir)).mode & 0o777).toString(8)).toBe("700");
      expect(((await stat(join(home, "run", "drills"))).mode & 0o777).toString(8)).toBe("700");
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
