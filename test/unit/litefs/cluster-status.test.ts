import { describe, expect, it } from "vitest";
import { parseGauge, parsePos } from "../../../src/litefs/cluster-status.js";
import { importArgs } from "../../../src/litefs/databases.js";
import { mountArgs } from "../../../src/litefs/node.js";
import { litefsReleaseCommands } from "../../../src/litefs/release.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { parseHostConfig } from "../../../src/config/host.js";

describe("LiteFS positions and argv", () => {
  it("reads the TXID from a <db>-pos file and gauges from LiteFS's metrics", () => {
    expect(parsePos("000000000000002a/8e2b91c0d1e2f3a4\n")).toBe(42);
    expect(parsePos("garbage")).toBeUndefined();
    const text =
      '# HELP litefs_db_txid Current transaction ID.\nlitefs_db_txid{db="db.sqlite3"} 17\nlitefs_db_txid{db="other.db"} 3\nlitefs_db_lag_seconds{db="db.sqlite3"} 0.25\n';
    expect([...parseGauge(text, "litefs_db_txid")]).toEqual([
      ["db.sqlite3", 17],
      ["other.db", 3],
    ]);
    expect(parseGauge(text, "litefs_db_lag_seconds").get("db.sqlite3")).toBe(0.25);
  });

  it("builds litefs argv exactly", () => {
    expect(mountArgs("/h/run/litefs/shop.yml")).toEqual([
      "mount",
      "-config",
      "/h/run/litefs/shop.yml",
      "-no-expand-env",
    ]);
    expect(importArgs("http://127.0.0.1:20202", "db.sqlite3", "/h/apps/shop/data/.litefs-import-db.sqlite3")).toEqual([
      "import",
      "-url",
      "http://127.0.0.1:20202",
      "-name",
      "db.sqlite3",
      "/h/apps/shop/data/.litefs-import-db.sqlite3",
    ]);
  });

  it("runs no release phase on a replica (collectstatic ran at build)", () => {
    const spec = validateAppSpec(
      { name: "blog", repo: "/r", port: 8001, replication: "litefs", databases: [{ path: "db.sqlite3" }] },
      "app.yml",
    );
    const replica = parseHostConfig(
      "replica:\n  url: file:///b\nlitefs:\n  node: web-2\n  role: replica\n  advertise: http://10.0.0.2\n  primary:\n    node: web-1\n    advertise: http://10.0.0.1\n    front_door: http://10.0.0.1\n",
      "hostctl.yml",
    );
    const primary = parseHostConfig(
      "replica:\n  url: file:///b\nlitefs:\n  node: web-1\n  role: candidate\n  advertise: http://10.0.0.1\n",
      "hostctl.yml",
    );
    const commands = [
      { display: "manage.py migrate --noinput", file: "py", args: ["manage.py", "migrate", "--noinput"] },
    ];
    expect(litefsReleaseCommands(spec, replica, commands)).toEqual([]);
    expect(litefsReleaseCommands(spec, primary, commands)).toEqual(commands);
  });
});
