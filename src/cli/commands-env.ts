import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { commands, type Runner } from "./command-loaders.js";

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

/** hostctl env: set, unset, list an app's environment. */
export function registerEnvCommands(program: Command, run: Runner): void {
  const env = program.command("env").description("manage an app's environment (apps/<app>/env, mode 0600)");
  env
    .command("set <name> [assignments...]")
    .description("set KEY=VALUE pairs; --stdin reads KEY=VALUE lines (keeps secrets out of argv and shell history)")
    .option("--stdin", "read KEY=VALUE lines from standard input")
    .option("--json", "JSON output")
    .action((name: string, assignments: string[], o: { stdin?: boolean; json?: boolean }) =>
      run(
        async (deps) => (await commands.env()).envSet(name, assignments, { ...o, ...(o.stdin ? { stdinText: readStdin() } : {}) }, deps),
        o.json,
      ),
    );
  env
    .command("unset <name> <keys...>")
    .description("remove variables")
    .option("--json", "JSON output")
    .action((name: string, keys: string[], o: { json?: boolean }) =>
      run(async (deps) => (await commands.env()).envUnset(name, keys, deps), o.json),
    );
  env
    .command("list <name>")
    .description("list variable names (values with --values)")
    .option("--values", "also print values (secrets!)")
    .option("--json", "JSON output")
    .action((name: string, o: { values?: boolean; json?: boolean }) =>
      run(async (deps) => (await commands.env()).envList(name, o, deps), o.json),
    );
}
