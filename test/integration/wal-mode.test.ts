import { open } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { loadAppSpec } from "../../src/config/app.js";
import { ensureDatabases } from "../../src/restore/restore-app.js";
import { addApp, hostContext } from "./drill-harness.js";

afterAll(cleanupTempDirs);

async function headerVersions(db: string): Promise<[number, number]> {
  const file = await open(db, "r");
  try {
    const header = Buffer.alloc(20);
    await file.read(header, 0, 20, 0);
    return [header[18] ?? -1, header[19] ?? -1];
  } finally {
    await file.close();
  }
}

async function hostWithDatabase(journal: "delete" | "wal") {
  const base = await tempDir("wal-mode");
  const home = join(base, "home");
  expect((await runCli(home, ["init", "--replica-url", `file://${join(base, "replica")}`])).exitCode).toBe(0);
  const db = await addApp({ home }, "shop", ["--kind", "generic"]);
  await execa("sqlite3", [db], {
    input: `PRAGMA journal_mode=${journal};\nCREATE TABLE t(v TEXT);\nINSERT INTO t VALUES ('kept');\n`,
  });
  const ctx = await hostContext({ home });
  return { db, ctx, spec: await loadAppSpec(ctx.paths, "shop") };
}

describe("restore-on-boot of a database that is already here", () => {
  it("switches a rollback-journal database to WAL, keeping its rows", async () => {
    const { db, ctx, spec } = await hostWithDatabase("delete");
    expect(await headerVersions(db)).toEqual([1, 1]);
    expect(await ensureDatabases(spec, ctx)).toEqual([{ path: "db.sqlite3", action: "present" }]);
    expect(await headerVersions(db)).toEqual([2, 2]);
    expect((await execa("sqlite3", [db, "PRAGMA journal_mode; SELECT v FROM t;"])).stdout.split("\n")).toEqual([
      "wal",
      "kept",
    ]);
  });

  it("leaves a WAL database as it is (its header already says WAL)", async () => {
    const { db, ctx, spec } = await hostWithDatabase("wal");
    expect(await headerVersions(db)).toEqual([2, 2]);
    expect(await ensureDatabases(spec, ctx)).toEqual([{ path: "db.sqlite3", action: "present" }]);
    expect((await execa("sqlite3", [db, "PRAGMA journal_mode; SELECT v FROM t;"])).stdout.split("\n")).toEqual([
      "wal",
      "kept",
    ]);
  });
});
