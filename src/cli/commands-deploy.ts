import type { Command } from "commander";
import { commands, type Runner } from "./command-loaders.js";
import { Option } from "commander";
import type { DeployFlags } from "./commands/deploy.js";

/** hostctl deploy, rollback, releases. */
export function registerDeployCommands(program: Command, run: Runner): void {
  program
    .command("deploy <name>")
    .description("fetch, build, migrate, health-check and switch to a new release")
    .option("--ref <ref>", "branch, tag or commit (default: the app's branch)")
    .option("--force", "run the release phase even when Litestream is down or behind")
    .addOption(new Option("--from-push", "the ref was pushed to push.git (used by its hook)").hideHelp())
    .option("--json", "print the result as JSON")
    .action((name: string, o: DeployFlags & { json?: boolean }) =>
      run(async (deps) => (await commands.deploy()).deploy(name, o, deps), o.json),
    );
  program
    .command("rollback <name>")
    .description("switch back to the previous release (or --to RELEASE); databases are not changed")
    .option("--to <release>", "release id or commit prefix (see hostctl releases NAME)")
    .option("--force", "roll back even when the database has migrations the release lacks")
    .option("--json", "JSON output")
    .action((name: string, o: { to?: string; force?: boolean; json?: boolean }) =>
      run(async (deps) => (await commands.deploy()).rollback(name, o, deps), o.json),
    );
  program
    .command("releases <name>")
    .description("an app's releases: id, commit, message, when, current marker")
    .option("--json", "JSON output")
    .action((name: string, o: { json?: boolean }) => run(async (deps) => (await commands.deploy()).releases(name, deps), o.json));
}
