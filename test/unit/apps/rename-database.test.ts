import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { renamedSpec } from "../../../src/apps/rename-database.js";
import { messageOf } from "../../helpers/config-error.js";

const spec = (...paths: string[]) =>
  validateAppSpec({ name: "shop", repo: "/r", port: 8001, databases: paths.map((path) => ({ path })) }, "app.yml");

describe("the spec of a renamed database", () => {
  it("names the new file in place of the old one, keeping the others", () => {
    expect(renamedSpec(spec("db.sqlite3", "q.sqlite3"), "db.sqlite3", "main.sqlite3", "app.yml").databases).toEqual([
      { path: "main.sqlite3" },
      { path: "q.sqlite3" },
    ]);
  });

  it("takes an app.yml already edited to the new name as it is", () => {
    expect(renamedSpec(spec("main.sqlite3"), "db.sqlite3", "main.sqlite3", "app.yml").databases).toEqual([
      { path: "main.sqlite3" },
    ]);
  });

  it("refuses an unknown old name, a taken new name and a new name the schema refuses", () => {
    expect(() => renamedSpec(spec("db.sqlite3"), "x.sqlite3", "y.sqlite3", "app.yml")).toThrow(
      'shop has no database "x.sqlite3"',
    );
    expect(() => renamedSpec(spec("a.sqlite3", "b.sqlite3"), "a.sqlite3", "b.sqlite3", "app.yml")).toThrow(
      'shop already has a database "b.sqlite3"',
    );
    expect(messageOf(() => renamedSpec(spec("db.sqlite3"), "db.sqlite3", "media/db.sqlite3", "app.yml"))).toContain(
      "expected a path outside media/",
    );
  });
});
