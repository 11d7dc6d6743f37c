import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { healthHost, planDeploy, releaseCommands } from "../../../src/deploy/plan.js";
import { releaseId, isReleaseId } from "../../../src/deploy/release-id.js";

const spec = (extra: Record<string, unknown> = {}) =>
  validateAppSpec(
    { name: "blog", repo: "/srv/blog.git", port: 8001, databases: [{ path: "db.sqlite3" }], ...extra },
    "app.yml",
  );

describe("planDeploy", () => {
  it("without a supervisor, restores and snapshots databases before the release phase and proves the web process itself", () => {
    expect(planDeploy({ spec: spec(), mode: "temporary" })).toEqual([
      "fetch",
      "checkout",
      "build",
      "restore",
      "snapshot",
      "release",
      "start",
      "switch",
      "prune",
    ]);
  });

  it("with a supervisor, leaves start, health check and switch to its activate", () => {
    expect(planDeploy({ spec: spec(), mode: "supervisor" })).toEqual([
      "fetch",
      "checkout",
      "build",
      "restore",
      "snapshot",
      "release",
      "activate",
      "prune",
    ]);
  });

  it("an app without databases has nothing to restore or snapshot", () => {
    expect(planDeploy({ spec: spec({ databases: [] }), mode: "temporary" })).not.toContain("snapshot");
  });
});

describe("releaseCommands", () => {
  it("runs migrate with the release's venv Python for django (collectstatic runs at build)", () => {
    expect(releaseCommands(spec(), { web: "gunicorn x" }, "/h/apps/blog/releases/r1")).toEqual([
      {
        display: "manage.py migrate --noinput",
        file: "/h/apps/blog/releases/r1/.venv/bin/python",
        args: ["manage.py", "migrate", "--noinput"],
      },
    ]);
  });

  it("prefers the Procfile's release line, run by sh without exec so compound lines work", () => {
    expect(releaseCommands(spec(), { web: "w", release: "./migrate.sh && echo done" }, "/r")).toEqual([
      { display: "./migrate.sh && echo done", file: "/bin/sh", args: ["-c", "./migrate.sh && echo done"] },
    ]);
  });

  it("has no release phase for a generic app without a release line", () => {
    expect(releaseCommands(spec({ kind: "generic" }), { web: "w" }, "/r")).toEqual([]);
  });
});

describe("release ids and health host", () => {
  it("formats a UTC timestamp and the short sha", () => {
    expect(releaseId(new Date("2025-01-02T03:04:05.678Z"), "3f2a1bc9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f")).toBe(
      "20250102T030405Z-3f2a1bc",
    );
    expect(isReleaseId("20250102T030405Z-3f2a1bc")).toBe(true);
    expect(isReleaseId("20250102T030405Z-3f2a1bc.tar")).toBe(false);
  });

  it("uses the domain as Host header, else localhost", () => {
    expect(healthHost(spec({ domain: "blog.example.com" }))).toBe("blog.example.com");
    expect(healthHost(spec())).toBe("localhost");
  });
});
