import { describe, expect, it } from "vitest";
import { DATABASE_FILE_GLOBS, hasDatabaseComponent, isDatabaseName } from "../../../src/lib/database-files.js";

describe("database file names", () => {
  it.each([
    "db.sqlite3",
    "x.SQLITE",
    "leak.db",
    "a.DB3",
    "x.db-wal",
    "x.sqlite3-shm",
    "x-journal",
    "0001.ltx",
    ".db.sqlite3-litestream",
  ])("%s is a database name", (name) => expect(isDatabaseName(name)).toBe(true));

  it.each(["photo.jpg", "dbx", "litestream", "report.db.txt", "wal", "notes-walnut"])("%s is not", (name) =>
    expect(isDatabaseName(name)).toBe(false),
  );

  it("finds a database name in any component of a path", () => {
    expect(hasDatabaseComponent(".x.db-litestream/generation")).toBe(true);
    expect(hasDatabaseComponent("photos/2024/cat.jpg")).toBe(false);
  });

  it("gives Caddy globs that match without regard to case", () => {
    expect(DATABASE_FILE_GLOBS).toContain("*.[dD][bB]");
    expect(DATABASE_FILE_GLOBS).toContain(".*-[lL][iI][tT][eE][sS][tT][rR][eE][aA][mM]");
  });
});
