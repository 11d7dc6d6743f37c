import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import type { Deps } from "./deps.js";
import { commands, type Runner } from "./command-loaders.js";
import { registerAppCommands } from "./commands-app.js";
import { registerEnvCommands } from "./commands-env.js";
import { registerClusterCommands } from "./commands-cluster.js";
import { registerDeployCommands } from "./commands-deploy.js";
import { registerRunCommands } from "./commands-run.js";
import { registerStatusPageCommands } from "./commands-status-page.js";
import type { InitOptions } from "./commands/init.js";
import { printError, printResult } from "./output.js";
import { hostPaths, resolveHome } from "../config/paths.js";
import { systemClock } from "../lib/clock.js";
import { createRunner } from "../lib/exec.js";
import { createLogger, type LogLevel } from "../lib/log.js";
import { diskFullError } from "../lib/disk.js";

interface GlobalOptions {
  home?: string;
  logLevel: LogLevel;
  verbose?: boolean;
}

function buildDeps(options: GlobalOptions, explicitLevel: boolean): Deps {
  const log = createLogger(options.verbose ? "debug" : options.logLevel);
  return {
    paths: hostPaths(resolveHome(options.home, process.env)),
    log,
    logLevel: explicitLevel ? options.logLevel : undefined,
    run: createRunner(log),
    clock: systemClock,
    env: process.env,
    progress: (line) => process.stderr.write(`${line}\n`),
  };
}

/** The version in package.json (src/cli/program.ts, dist/cli/program.js and the bundle dist/cli/hostctl.cjs all sit two levels below it). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

export function buildProgram(): Command {
  const program = new Command("hostctl")
    .description("Run Django and Wagtail sites on one host with SQLite, streamed to S3 by Litestream.")
    .option("--home <dir>", "host directory (default: $HOSTCTL_HOME or /var/lib/hostctl)")
    .addOption(
      new Option("--log-level <level>", "log level").choices(["trace", "debug", "info", "warn", "error", "silent"]).default("warn"),
    )
    .option("--verbose", "debug logs and stacks for known errors")
    .version(packageVersion(), "-V, --version", "print hostctl's version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  const run: Runner = async (action, json = false) => {
    const options = program.opts<GlobalOptions>();
    const result = await action(buildDeps(options, program.getOptionValueSource("logLevel") !== "default"));
    printResult(result, json);
    if (result.exitCode) process.exitCode = result.exitCode;
  };

  program
    .command("init")
    .description("create the host config (hostctl.yml) with the replica target")
    .option("--replica-url <url>", "s3://BUCKET/PREFIX or file:///DIR")
    .option("--s3-endpoint <url>", "S3 endpoint for non-AWS providers")
    .option("--s3-region <region>", "S3 region (default us-east-1)")
    .option("--s3-force-path-style", "path-style S3 URLs (MinIO and most non-AWS providers)")
    .option(
      "--s3-credentials-file <file>",
      "0600 file with AWS_ACCESS_KEY_ID= and AWS_SECRET_ACCESS_KEY= lines (default: AWS_* env, saved 0600)",
    )
    .option("--metrics-port-base <port>", "first loopback port for the apps' Litestream metrics (default 9430; one port per app)")
    .option("--http-port <port>", "front door: port Caddy serves HTTP on (default 80; any proxy flag turns the front door on)")
    .option("--https-port <port>", "front door: port Caddy serves HTTPS on (default 443)")
    .option("--tls <mode>", "front door: acme | internal | off (default acme)")
    .option("--acme-email <email>", "front door: contact address for the ACME CA")
    .option("--proxy-bind <ip>", "front door: address the HTTP/HTTPS ports listen on (default: every interface)")
    .option(
      "--status-domain <domain>",
      "front door: serve the read-only status page on this domain (set its password: hostctl status-page passwd)",
    )
    .option(
      "--internal-port-base <port>",
      "front door: first loopback port of the apps' internal ports (default 18000; two per app, 200 reserved)",
    )
    .option("--force", "overwrite an existing hostctl.yml")
    .option("--json", "print the result as JSON")
    .action((o: InitOptions & { json?: boolean }) => run(async (deps) => (await commands.init()).initHost(o, deps), o.json));

  registerAppCommands(program, run);
  registerEnvCommands(program, run);

  program
    .command("doctor")
    .description("preflight: Litestream, git, sqlite3, each app's Python, S3 put/get/delete")
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) => run(async (deps) => (await commands.doctor()).doctor(deps), o.json));
  program
    .command("drill [name]")
    .description("restore drill: restore the newest replica into scratch space and check it (every app when no NAME)")
    .option("--no-live", "no live copy on this host: only intrinsic checks and freshness against now")
    .option("--json", "JSON output")
    .action((name: string | undefined, o: { live?: boolean; json?: boolean }) =>
      run(async (deps) => (await commands.drill()).drill(name, o, deps), o.json),
    );
  program
    .command("drills <name>")
    .description("an app's drill history (apps/<app>/drills.jsonl)")
    .option("--last <n>", "how many of the newest drills (default 10)")
    .option("--json", "JSON output")
    .action((name: string, o: { last?: string; json?: boolean }) =>
      run(async (deps) => (await commands.drills()).drillsHistory(name, o, deps), o.json),
    );

  program
    .command("keygen")
    .description("make a key pair for mirroring app env files encrypted (public key in hostctl.yml, private key off the host)")
    .option("--write", "also write the public key into hostctl.yml (registry.env_public_key)")
    .option("--json", "JSON output")
    .action((o: { json?: boolean; write?: boolean }) =>
      run(async (deps) => (await commands.keygen()).keygen({ write: o.write ?? false }, deps), o.json),
    );
  program
    .command("up")
    .description(
      "run the supervisor in the foreground: restore-on-boot, Litestream and every app's processes (SIGTERM/SIGINT stop it gracefully)",
    )
    .option("--takeover", "take the replica lease at once (the old host is gone)")
    .option("--no-wait", "when another host holds the replica lease, exit 1 at once instead of waiting for its release or expiry")
    .action((o: { takeover?: boolean; wait?: boolean }) =>
      run(async (deps) => (await commands.up()).up(o, deps, (await commands.wiring()).supervisorWiring)),
    );
  program
    .command("status")
    .description("state of every app, its processes and Litestream (from disk when hostctl up is not running)")
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) => run(async (deps) => (await commands.status()).status(deps), o.json));
  program
    .command("logs <name>")
    .description("print an app's process logs (apps/<app>/logs/)")
    .option("--process <type>", "only this process (web, worker, …; Litestream's log only with --process litestream)")
    .option("-n, --lines <n>", "lines to print from the end", "100")
    .option("-f, --follow", "keep printing new lines")
    .action((name: string, o: { process?: string; lines?: string; follow?: boolean }) =>
      run(async (deps) => (await commands.logs()).logs(name, o, deps)),
    );
  const controlHelp = {
    restart: "restart an app's processes under the running supervisor; after an edit of its app.yml, check it and reload the app with it",
    stop: "stop an app under the running supervisor (processes, then Litestream)",
    start: "start a stopped app under the running supervisor (restoring first if needed)",
  };
  for (const action of ["restart", "stop", "start"] as const) {
    program
      .command(`${action} <name>`)
      .description(controlHelp[action])
      .option("--json", "JSON output")
      .action((name: string, o: { json?: boolean }) => run(async (deps) => (await commands.control()).control(action, name, deps), o.json));
  }
  program
    .command("restore <name>")
    .description("restore an app's missing databases from the replica (restore-on-boot, on demand)")
    .option("--timestamp <time>", "restore to this point in time (RFC 3339)")
    .option("--force", "replace existing databases: the app is stopped first and the current files are kept aside")
    .option("--json", "JSON output")
    .action((name: string, o: { timestamp?: string; force?: boolean; json?: boolean }) =>
      run(async (deps) => (await commands.restore()).restore(name, o, deps), o.json),
    );
  program
    .command("rejoin")
    .description(
      "after this host was replaced (lease taken over, LiteFS promote): set its databases aside so hostctl up restores the replica's",
    )
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) => run(async (deps) => (await commands.rejoin()).rejoin(deps), o.json));

  registerClusterCommands(program, run);

  registerDeployCommands(program, run);

  registerRunCommands(program, run);

  registerStatusPageCommands(program, run);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  // A reader that went away (`hostctl status --json | head -1`) ends the output, not the command with a stack.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; every other parse problem is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    const verbose = program.opts<GlobalOptions>().verbose ?? false;
    return printError(diskFullError(error, resolveHome(program.opts<GlobalOptions>().home, process.env)) ?? error, verbose);
  }
}
