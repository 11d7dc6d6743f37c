import { mkdir, readdir, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appPaths, hostPaths } from "../../../src/config/paths.js";
import {
  listReleases,
  newReleaseId,
  planPrune,
  previousRelease,
  pruneReleases,
  readCurrent,
  writeReleaseMeta,
  type ReleaseInfo,
  type ReleaseMeta,
} from "../../../src/deploy/releases.js";
import { pickRollbackTarget } from "../../../src/deploy/rollback.js";
import { switchCurrent } from "../../../src/deploy/switch.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

const meta = (n: number, activated: string[] = []): ReleaseInfo => ({
  id: `2025010${n}T000000Z-aaaaaa${n}`,
  commit: `aaaaaa${n}${"0".repeat(33)}`,
  message: `v${n}`,
  ref: "main",
  deployed_at: "",
  activated_at: activated,
  dir: `/r/${n}`,
  current: false,
});

describe("previousRelease and planPrune", () => {
  const releases: ReleaseMeta[] = [
    meta(1, ["t1"]),
    meta(2, ["t2"]),
    meta(3, ["t3"]),
    meta(4, ["t4"]),
    meta(5, ["t5"]),
    meta(6, ["t6"]),
  ];

  it("previous is the release most recently live before the current one", () => {
    expect(previousRelease(releases, releases[5]?.id)?.id).toBe(releases[4]?.id);
    // After a rollback to 3, the previous one is 6 (so a second rollback returns).
    const rolledBack = [...releases.slice(0, 2), meta(3, ["t3", "t7"]), ...releases.slice(3)];
    expect(previousRelease(rolledBack, releases[2]?.id)?.id).toBe(releases[5]?.id);
  });

  it("deletes the oldest beyond keep", () => {
    expect(planPrune(releases, releases[5]?.id, 3)).toEqual([releases[0]?.id, releases[1]?.id, releases[2]?.id]);
  });

  it("never deletes the current or the previous release, even when they are the oldest", () => {
    const rolledBack = [meta(1, ["t1", "t9"]), meta(2, ["t2", "t8"]), meta(3, ["t3"]), meta(4, ["t4"])];
    expect(planPrune(rolledBack, rolledBack[0]?.id, 2)).toEqual([rolledBack[2]?.id, rolledBack[3]?.id]);
  });
});

describe("pickRollbackTarget", () => {
  const releases = [meta(1, ["t1"]), meta(2, ["t2"])];

  it("defaults to the previous release", () => {
    expect(pickRollbackTarget(releases, releases[1]?.id, undefined).id).toBe(releases[0]?.id);
  });

  it("takes a release id or a unique commit prefix", () => {
    expect(pickRollbackTarget(releases, undefined, "aaaaaa1").id).toBe(releases[0]?.id);
    expect(pickRollbackTarget(releases, undefined, releases[1]?.id).id).toBe(releases[1]?.id);
  });

  it("rejects an ambiguous or unknown --to with exit 2", () => {
    expect(() => pickRollbackTarget(releases, undefined, "aaaa")).toThrow(/2 releases match/);
    expect(() => pickRollbackTarget(releases, undefined, "nope")).toThrow(
      /argument --to "nope": no release has that id or commit/,
    );
  });
});

describe("switchCurrent", () => {
  it("points current at the release with a relative link and records the activation", async () => {
    const app = appPaths(hostPaths(await tempDir()), "blog");
    const id = "20250101T000000Z-abcdef1";
    const dir = join(app.releases, id);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, ".hostctl-release.json"),
      JSON.stringify({ id, commit: "abcdef1", message: "m", ref: "main", deployed_at: "x", activated_at: [] }),
    );
    await switchCurrent(app, dir, new Date("2025-01-01T00:00:00Z"));
    await switchCurrent(app, dir, new Date("2025-01-02T00:00:00Z"));
    expect(await readlink(app.current)).toBe(`releases/${id}`);
    expect(await readCurrent(app)).toBe(id);
    const [listed] = await listReleases(app);
    expect(listed?.current).toBe(true);
    expect(listed?.activated_at).toEqual(["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z"]);
  });
});

describe("newReleaseId", () => {
  const at = (iso: string) => ({ now: () => new Date(iso) });

  it("names the release by the current second and its commit", async () => {
    const dir = await tempDir("release-ids");
    await mkdir(join(dir, "20260101T000011Z-fffffff"));
    expect(await newReleaseId(dir, "b".repeat(40), at("2026-01-01T00:00:12.300Z"))).toBe("20260101T000012Z-bbbbbbb");
    expect(await newReleaseId(join(dir, "missing"), "b".repeat(40), at("2026-01-01T00:00:12.300Z"))).toBe(
      "20260101T000012Z-bbbbbbb",
    );
  });

  it("takes the next second when a release of another commit holds this one, so ids keep sorting by time", async () => {
    const dir = await tempDir("release-ids");
    // The earlier release's commit sorts after the new one's: in one second, text order would put it last.
    await mkdir(join(dir, "20260101T000012Z-fffffff"));
    const id = await newReleaseId(dir, "0".repeat(40), at("2026-01-01T00:00:12.300Z"));
    expect(id).toBe("20260101T000013Z-0000000");
    expect(["20260101T000012Z-fffffff", id].sort().at(-1)).toBe(id);
  });

  it("comes after a release dated later than the clock (a clock set back)", async () => {
    const dir = await tempDir("release-ids");
    await mkdir(join(dir, "20260101T010000Z-fffffff"));
    await mkdir(join(dir, "not-a-release"));
    expect(await newReleaseId(dir, "0".repeat(40), at("2026-01-01T00:00:12.300Z"))).toBe("20260101T010001Z-0000000");
  });
});

describe("pruneReleases", () => {
  it("removes releases beyond keep, leftovers and an interrupted prune's remains, never current or in progress", async () => {
    const home = await tempDir("prune");
    const app = appPaths(hostPaths(home), "blog");
    const ids = [1, 2, 3, 4].map((n) => meta(n, [`t${n}`]).id);
    for (const [i, id] of ids.entries()) {
      const dir = join(app.releases, id);
      await mkdir(join(dir, ".venv", "lib"), { recursive: true });
      await writeFile(join(dir, ".venv", "lib", "module.py"), "x = 1\n");
      const n = i + 1;
      await writeReleaseMeta(dir, {
        id,
        commit: `${n}`.repeat(40),
        message: `v${n}`,
        ref: "main",
        deployed_at: "",
        activated_at: [`t${n}`],
      });
    }
    await switchCurrent(app, join(app.releases, ids[3] ?? ""), new Date());
    const unfinished = "20250109T000000Z-bbbbbbb";
    const inProgress = "20250110T000000Z-ccccccc";
    for (const name of [unfinished, inProgress, ".pruning-20241231T000000Z-ddddddd"])
      await mkdir(join(app.releases, name, ".venv"), { recursive: true });

    const pruned = await pruneReleases(app, 2, inProgress);

    expect(pruned).toEqual([ids[0], ids[1], unfinished]);
    // Gone from the listing at once; their files are removed in the background.
    expect((await listReleases(app)).map((r) => r.id)).toEqual([ids[2], ids[3]]);
    const kept = [ids[2], ids[3], inProgress].sort();
    await waitFor("the background removal", async () =>
      JSON.stringify((await readdir(app.releases)).sort()) === JSON.stringify(kept) ? true : undefined,
    );
  });
});
