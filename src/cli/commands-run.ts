import type { Command } from "commander";
import { commands, type Runner } from "./command-loaders.js";

/** hostctl run, manage, jobs, shell: commands in the live release. */
export function registerRunCommands(program: Command, run: Runner): void {
  program
    .command("run <name> [command...]")
    .description("run a command in the live release with the app's environment and venv (refused while a database is missing)")
    .allowUnknownOption()
    .helpOption(false)
    .action((name: string, command: string[]) => run(async (deps) => (await commands.run()).runInApp(name, command, deps)));
  program
    .command("manage <name> [args...]")
    .description("python manage.py ARGS in the live release (e.g. hostctl manage blog createsuperuser)")
    .allowUnknownOption()
    .helpOption(false)
    .action((name: string, args: string[]) => run(async (deps) => (await commands.run()).manage(name, args, deps)));
  program
    .command("jobs <name>")
    .description("an app's scheduled jobs (jobs: in app.yml) and their last runs")
    .option("--json", "JSON output")
    .action((name: string, o: { json?: boolean }) => run(async (deps) => (await commands.jobs()).jobs(name, deps), o.json));
  program
    .command("shell <name>")
    .description("manage.py shell in the live release")
    .action((name: string) => run(async (deps) => (await commands.run()).shell(name, deps)));
}
