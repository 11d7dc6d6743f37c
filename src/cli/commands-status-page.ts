import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { commands, type Runner } from "./command-loaders.js";

/** hostctl status-page: the read-only status page's password and API token (docs/status-page.md). */
export function registerStatusPageCommands(program: Command, run: Runner): void {
  const page = program.command("status-page").description("the read-only status page served through the front door (proxy.status)");
  page
    .command("passwd")
    .description("set the page's password, read from stdin (never argv); hostctl.yml keeps its scrypt hash")
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) =>
      run(async (deps) => (await commands.statusPage()).statusPagePasswd(readFileSync(0, "utf8"), deps), o.json),
    );
  page
    .command("token")
    .description("make a new bearer token for GET /api/status (printed once; hostctl.yml keeps its hash)")
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) => run(async (deps) => (await commands.statusPage()).statusPageToken(deps), o.json));
}
