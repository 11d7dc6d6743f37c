import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { droppedDatabases } from "../../../src/restore/renamed-database.js";

const spec = (...paths: string[]) =>
  validateAppSpec({ name: "shop", repo: "/r", port: 8001, databases: paths.map((path) => ({ path })) }, "app.yml");

describe("databases the spec dropped", () => {
  it("names a known database the spec no longer has, with its path as first known", () => {
    expect(droppedDatabases(spec("main.sqlite3"), ["data/db.sqlite3", "db.sqlite3", "main.sqlite3"])).toEqual([
      "data/db.sqlite3",
    ]);
  });

  it("is empty when a database is added beside the known ones, or moved to a folder under the same file name", () => {
    expect(droppedDatabases(spec("db.sqlite3", "queue.sqlite3"), ["db.sqlite3"])).toEqual([]);
    expect(droppedDatabases(spec("dbs/db.sqlite3"), ["db.sqlite3"])).toEqual([]);
  });
});
