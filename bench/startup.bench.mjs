// CLI start-up: `hostctl status --json` on a host with one app and no supervisor running (Node start-up,
// module loading, the registry read, the control socket's absence) vs `node -e 0`, alternated.
import { join } from "node:path";
import { execa } from "execa";
import { CLI, cleanup, cli, tmp } from "./lib.mjs";
import { alternate, record, rounds } from "./figures.mjs";

const ROUNDS = rounds(30, 10);

try {
  const home = join(tmp("startup"), "home");
  await cli(home, ["init", "--replica-url", `file://${tmp("startup-replica")}`]);
  await cli(home, [
    "app",
    "add",
    "blog",
    "--kind",
    "generic",
    "--repo",
    "/unused",
    "--port",
    "18101",
    "--db",
    "db.sqlite3",
  ]);
  const ours = () => execa(process.execPath, [CLI, "--home", home, "status", "--json"]);
  const raw = () => execa(process.execPath, ["-e", "0"]);
  await ours(); // warm-up: page cache
  await raw();
  const { ours: a, raw: b } = await alternate(ROUNDS, ours, raw);
  record({
    bench: "startup",
    figure: "`status --json`, no supervisor",
    ours: a,
    raw: b,
    rawLabel: "`node -e 0`",
    target: 2,
  });
} finally {
  await cleanup();
}
