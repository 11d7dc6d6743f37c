#!/usr/bin/env -S node --max-semi-space-size=2
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import type { CommandResult, Deps } from "./deps.js";
import type { DeployFlags } from "./commands/deploy.js";
import type { InitOptions } from "./commands/init.js";
import type { AppAddOptions } from "./commands/app.js";
import type { RejoinFlags } from "./commands/cluster.js";
import { printError, printResult } from "./output.js";
import { collect } from "./arguments.js";
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

export type Action = (deps: Deps) => Promise<CommandResult>;
export type Runner = (action: Action, json?: boolean) => Promise<void>;

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

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

// Command modules load on use: a command pays only for what it runs (start-up is most of a short command).
const commands = {
  init: () => import("./commands/init.js"),
  app: () => import("./commands/app.js"),
  env: () => import("./commands/env.js"),
  doctor: () => import("./commands/doctor.js"),
  drill: () => import("./commands/drill.js"),
  drills: () => import("./commands/drills.js"),
  up: () => import("./commands/up.js"),
  status: () => import("./commands/status.js"),
  control: () => import("./commands/control.js"),
  logs: () => import("./commands/logs.js"),
  restore: () => import("./commands/restore.js"),
  keygen: () => import("./commands/keygen.js"),
  deploy: () => import("./commands/deploy.js"),
  run: () => import("./commands/run.js"),
  jobs: () => import("./commands/jobs.js"),
  appCheck: () => import("./commands/app-check.js"),
  cluster: () => import("./commands/cluster.js"),
  wiring: () => import("./wiring/index.js"),
};

/** The version in package.json (dist/cli/main.js and src/cli/main.ts both sit two levels below it). */
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
    .option("--force", "overwrite an existing hostctl.yml")
    .option("--json", "print the result as JSON")
    .action((o: InitOptions & { json?: boolean }) => run(async (deps) => (await commands.init()).initHost(o, deps), o.json));

  const app = program.command("app").description("register, list, show and remove apps");
  app
    .command("add <name>")
    .description("register an app")
    .requiredOption("--repo <url>", "Git remote URL or local path")
    .option("--branch <branch>", "branch to deploy (default main)")
    .option("--kind <kind>", "django | wagtail | generic (default django)")
    .option("--db <path>", "SQLite database relative to the app's data dir (repeatable)", collect)
    .option("--replication <mode>", "litestream | litefs (a LiteFS cluster: docs/litefs.md; default litestream)")
    .requiredOption("--port <n>", "loopback port of the web process ($PORT)")
    .option("--domain <domain>", "public host name the proxy serves the app on (repeatable)", collect)
    .option("--process <type=command>", 'process command line, e.g. web="gunicorn …" (repeatable; default: the repo\'s Procfile)', collect)
    .option(
      "--build <command>",
      "build command line run in the release directory at each deploy, any kind (after the virtualenv for django/wagtail)",
    )
    .option("--python <path>", "Python interpreter (default python3)")
    .option("--system-site-packages", "let the venv see the interpreter's packages (e.g. Debian's python3-django; default: isolated)")
    .option("--installer <name>", "auto | pip | uv: what installs requirements.txt (default auto: uv when on PATH)")
    .option("--healthcheck-path <path>", "path a new release must answer with 2xx/3xx (default /)")
    .option("--drill-schedule <cron>", "cron schedule of restore drills (default: host's drills.schedule)")
    .option("--max-lag <duration>", "replica freshness a drill accepts (default: host's drills.max_lag)")
    .option("--poll <duration>", "check the branch for new commits this often, e.g. 60s")
    .option("--json", "print the app spec as JSON")
    .action((name: string, o: AppAddOptions & { json?: boolean }) =>
      run(async (deps) => (await commands.app()).appAdd(name, o, deps), o.json),
    );
  app
    .command("list")
    .description("list apps")
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) => run(async (deps) => (await commands.app()).appList(deps), o.json));
  app
    .command("show <name>")
    .description("show one app")
    .option("--json", "JSON output")
    .action((name: string, o: { json?: boolean }) => run(async (deps) => (await commands.app()).appShow(name, deps), o.json));
  app
    .command("remove <name>")
    .description("unregister an app (its files stay unless --purge)")
    .option("--purge", "also delete the app's directory (data, releases, logs)")
    .option("--json", "JSON output")
    .action((name: string, o: { purge?: boolean; json?: boolean }) =>
      run(async (deps) => (await commands.app()).appRemove(name, o, deps), o.json),
    );
  app
    .command("check <name>")
    .description(
      "preflight a commit without deploying: manage.py, settings, WSGI app, requirements, web command, what the settings shim sets",
    )
    .option("--ref <ref>", "branch, tag or commit (default: the app's branch)")
    .option("--json", "JSON output")
    .action((name: string, o: { ref?: string; json?: boolean }) =>
      run(async (deps) => (await commands.appCheck()).appCheck(name, o, deps), o.json),
    );
  app
    .command("push-setup <name>")
    .description("create apps/<app>/push.git: git push to it deploys the app's branch")
    .option("--json", "JSON output")
    .action((name: string, o: { json?: boolean }) => run(async (deps) => (await commands.deploy()).pushSetup(name, deps), o.json));

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

  const cluster = program
    .command("cluster")
    .description("LiteFS clusters (docs/litefs.md): status, promote a replica, rejoin as a replica");
  cluster
    .command("status")
    .description("each LiteFS app's role on this node, its primary, positions and lag")
    .option("--json", "JSON output")
    .action((o: { json?: boolean }) => run(async (deps) => (await commands.cluster()).status(deps), o.json));
  cluster
    .command("promote")
    .description("make this replica the primary (static lease) when the primary is gone; hostctl up must be stopped")
    .option("--force", "take the replica lease even though the old primary's is fresh (only once it is surely gone)")
    .option("--json", "JSON output")
    .action((o: { force?: boolean; json?: boolean }) => run(async (deps) => (await commands.cluster()).promote(o, deps), o.json));
  cluster
    .command("rejoin")
    .description("make this node (an old primary) a replica of the current primary; hostctl up must be stopped")
    .option("--primary <node>", "the primary's node name")
    .option("--primary-advertise <url>", "the primary's litefs.advertise")
    .option("--primary-front-door <url>", "the primary's front door, for writes")
    .option("--primary-port-base <n>", "the primary's litefs.port_base (default: this node's)")
    .option("--json", "JSON output")
    .action((o: RejoinFlags & { json?: boolean }) => run(async (deps) => (await commands.cluster()).rejoin(o, deps), o.json));

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

  return program;
}

export async function main(argv: string[]): Promise<number> {
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

process.exitCode = await main(process.argv);
