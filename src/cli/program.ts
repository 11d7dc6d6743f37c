import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import type { CommandResult, Deps } from "./deps.js";
import { collect } from "./arguments.js";
import { printError, printResult } from "./output.js";
import type { AppAddOptions, AppRemoveOptions } from "./commands/app.js";
import type { AppCheckOptions } from "./commands/app-check.js";
import type { PromoteOptions, RejoinFlags } from "./commands/cluster.js";
import type { ControlAction } from "./commands/control.js";
import type { DeployFlags, RollbackFlags } from "./commands/deploy.js";
import type { DrillOptions } from "./commands/drill.js";
import type { DrillsOptions } from "./commands/drills.js";
import type { EnvListOptions, EnvSetOptions } from "./commands/env.js";
import type { InitOptions } from "./commands/init.js";
import type { KeygenOptions } from "./commands/keygen.js";
import type { LogsOptions } from "./commands/logs.js";
import type { RestoreOptions } from "./commands/restore.js";
import type { UpOptions } from "./commands/up.js";
import { hostPaths, resolveHome } from "../config/paths.js";
import { systemClock } from "../lib/clock.js";
import { createRunner } from "../lib/exec.js";
import { createLogger, type LogLevel } from "../lib/log.js";
import { diskFullError } from "../lib/disk.js";

// Each action imports its command module when it runs: start-up is most of a short command's time
// (docs/benchmarks.md), so a command loads only what it runs; types imported above cost nothing.

interface GlobalOptions {
  home?: string;
  logLevel: LogLevel;
  verbose?: boolean;
}

type WithJson<T = object> = T & { json?: boolean };
type RunCommand = (action: (deps: Deps) => Promise<CommandResult>, json?: boolean) => Promise<void>;

export function buildProgram(): Command {
  const program = new Command("hostctl")
    .description("Run Django and Wagtail sites on one host with SQLite, streamed to S3 by Litestream.")
    .option("--home <dir>", "host directory (default: $HOSTCTL_HOME or /var/lib/hostctl)")
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(["trace", "debug", "info", "warn", "error", "silent"])
        .default("warn"),
    )
    .option("--verbose", "debug logs and stacks for known errors")
    .version(packageVersion(), "-V, --version", "print hostctl's version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  const run: RunCommand = async (action, json = false) => {
    const options = program.opts<GlobalOptions>();
    const result = await action(buildDeps(options, program.getOptionValueSource("logLevel") !== "default"));
    printResult(result, json);
    if (result.exitCode) process.exitCode = result.exitCode;
  };

  addInit(program, run);
  addApp(program, run);
  addEnv(program, run);
  addChecks(program, run);
  addSupervisor(program, run);
  addCluster(program, run);
  addDeploy(program, run);
  addRunInApp(program, run);
  addStatusPage(program, run);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // A reader that went away (`status --json | head -1`) ends the output, not the command.
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
    return printError(
      diskFullError(error, resolveHome(program.opts<GlobalOptions>().home, process.env)) ?? error,
      verbose,
    );
  }
}

function addInit(program: Command, run: RunCommand): void {
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
    .option(
      "--metrics-port-base <port>",
      "first loopback port for the apps' Litestream metrics (default 9430; one port per app)",
    )
    .option(
      "--http-port <port>",
      "front door: port Caddy serves HTTP on (default 80; any proxy flag turns the front door on)",
    )
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
    .action((o: WithJson<InitOptions>) =>
      run(async (deps) => (await import("./commands/init.js")).initHost(o, deps), o.json),
    );
}

function addApp(program: Command, run: RunCommand): void {
  const app = program.command("app").description("register, list, show and remove apps");
  app
    .command("add <name>")
    .description("register an app")
    .requiredOption("--repo <url>", "Git remote URL or local path")
    .option("--branch <branch>", "branch to deploy (default main)")
    .option("--kind <kind>", "django | wagtail | generic (default django)")
    .option("--db <path>", "SQLite database relative to the app's data dir (repeatable)", collect)
    .option("--replication <mode>", "litestream | litefs (a LiteFS cluster: docs/litefs.md; default litestream)")
    .option("--port <n>", "loopback port of the web process ($PORT); default: the first free one from 8001")
    .option("--domain <domain>", "public host name the proxy serves the app on (repeatable)", collect)
    .option(
      "--process <type=command>",
      'process command line, e.g. web="gunicorn …" (repeatable; default: the repo\'s Procfile)',
      collect,
    )
    .option(
      "--build <command>",
      "build command line run in the release directory at each deploy, any kind (after the virtualenv for django/wagtail)",
    )
    .option("--python <path>", "Python interpreter (default python3)")
    .option(
      "--system-site-packages",
      "let the venv see the interpreter's packages (e.g. Debian's python3-django; default: isolated)",
    )
    .option("--installer <name>", "auto | pip | uv: what installs requirements.txt (default auto: uv when on PATH)")
    .option("--healthcheck-path <path>", "path a new release must answer with 2xx/3xx (default /)")
    .option("--drill-schedule <cron>", "cron schedule of restore drills (default: host's drills.schedule)")
    .option("--max-lag <duration>", "replica freshness a drill accepts (default: host's drills.max_lag)")
    .option("--poll <duration>", "check the branch for new commits this often, e.g. 60s")
    .option("--json", "print the app spec as JSON")
    .action((name: string, o: WithJson<AppAddOptions>) =>
      run(async (deps) => (await import("./commands/app.js")).appAdd(name, o, deps), o.json),
    );
  app
    .command("list")
    .description("list apps")
    .option("--json", "JSON output")
    .action((o: WithJson) => run(async (deps) => (await import("./commands/app.js")).appList(deps), o.json));
  app
    .command("show <name>")
    .description("show one app")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson) =>
      run(async (deps) => (await import("./commands/app.js")).appShow(name, deps), o.json),
    );
  app
    .command("remove <name>")
    .description("unregister an app (its files stay unless --purge)")
    .option("--purge", "also delete the app's directory (data, releases, logs)")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson<AppRemoveOptions>) =>
      run(async (deps) => (await import("./commands/app.js")).appRemove(name, o, deps), o.json),
    );
  app
    .command("check <name>")
    .description(
      "preflight a commit without deploying: manage.py, settings, WSGI app, requirements, web command, what the settings shim sets",
    )
    .option("--ref <ref>", "branch, tag or commit (default: the app's branch)")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson<AppCheckOptions>) =>
      run(async (deps) => (await import("./commands/app-check.js")).appCheck(name, o, deps), o.json),
    );
  app
    .command("rename-db <name> <old> <new>")
    .description(
      "rename a database: the app stopped, the file renamed, app.yml updated, the app started (a new replica path)",
    )
    .option("--json", "JSON output")
    .action((name: string, from: string, to: string, o: WithJson) =>
      run(async (deps) => (await import("./commands/app-rename-db.js")).appRenameDb(name, from, to, deps), o.json),
    );
  app
    .command("push-setup <name>")
    .description("create apps/<app>/push.git: git push to it deploys the app's branch")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson) =>
      run(async (deps) => (await import("./commands/deploy.js")).pushSetup(name, deps), o.json),
    );
}

function addEnv(program: Command, run: RunCommand): void {
  const env = program.command("env").description("manage an app's environment (apps/<app>/env, mode 0600)");
  env
    .command("set <name> [assignments...]")
    .description("set KEY=VALUE pairs; --stdin reads KEY=VALUE lines (keeps secrets out of argv and shell history)")
    .option("--stdin", "read KEY=VALUE lines from standard input")
    .option("--json", "JSON output")
    .action((name: string, assignments: string[], o: WithJson<EnvSetOptions>) =>
      run(async (deps) => {
        const options = { ...o, ...(o.stdin ? { stdinText: readStdin() } : {}) };
        return (await import("./commands/env.js")).envSet(name, assignments, options, deps);
      }, o.json),
    );
  env
    .command("unset <name> <keys...>")
    .description("remove variables")
    .option("--json", "JSON output")
    .action((name: string, keys: string[], o: WithJson) =>
      run(async (deps) => (await import("./commands/env.js")).envUnset(name, keys, deps), o.json),
    );
  env
    .command("list <name>")
    .description("list variable names (values with --values)")
    .option("--values", "also print values (secrets!)")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson<EnvListOptions>) =>
      run(async (deps) => (await import("./commands/env.js")).envList(name, o, deps), o.json),
    );
}

function addChecks(program: Command, run: RunCommand): void {
  program
    .command("doctor")
    .description("preflight: Litestream, git, sqlite3, each app's Python, S3 put/get/delete")
    .option("--json", "JSON output")
    .action((o: WithJson) => run(async (deps) => (await import("./commands/doctor.js")).doctor(deps), o.json));
  program
    .command("drill [name]")
    .description("restore drill: restore the newest replica into scratch space and check it (every app when no NAME)")
    .option("--no-live", "no live copy on this host: only intrinsic checks and freshness against now")
    .option("--json", "JSON output")
    .action((name: string | undefined, o: WithJson<DrillOptions>) =>
      run(async (deps) => (await import("./commands/drill.js")).drill(name, o, deps), o.json),
    );
  program
    .command("drills <name>")
    .description("an app's drill history (apps/<app>/drills.jsonl)")
    .option("--last <n>", "how many of the newest drills (default 10)")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson<DrillsOptions>) =>
      run(async (deps) => (await import("./commands/drills.js")).drillsHistory(name, o, deps), o.json),
    );
  program
    .command("keygen")
    .description(
      "make a key pair for mirroring app env files encrypted (public key in hostctl.yml, private key off the host)",
    )
    .option("--write", "also write the public key into hostctl.yml (registry.env_public_key)")
    .option("--json", "JSON output")
    .action((o: WithJson<KeygenOptions>) =>
      run(async (deps) => (await import("./commands/keygen.js")).keygen({ write: o.write ?? false }, deps), o.json),
    );
}

const CONTROL_HELP: Record<ControlAction, string> = {
  restart:
    "restart an app's processes under the running supervisor; after an edit of its app.yml, check it and reload the app with it",
  stop: "stop an app under the running supervisor (processes, then Litestream)",
  start: "start a stopped app under the running supervisor (restoring first if needed)",
};

function addSupervisor(program: Command, run: RunCommand): void {
  program
    .command("up")
    .description(
      "run the supervisor in the foreground: restore-on-boot, Litestream and every app's processes (SIGTERM/SIGINT stop it gracefully)",
    )
    .option("--takeover", "take the replica lease at once (the old host is gone)")
    .option(
      "--no-wait",
      "when another host holds the replica lease, exit 1 at once instead of waiting for its release or expiry",
    )
    .action((o: UpOptions) =>
      run(async (deps) =>
        (await import("./commands/up.js")).up(o, deps, (await import("./wiring/index.js")).hostFeatures),
      ),
    );
  program
    .command("status")
    .description("state of every app, its processes and Litestream (from disk when hostctl up is not running)")
    .option("--json", "JSON output")
    .action((o: WithJson) => run(async (deps) => (await import("./commands/status.js")).status(deps), o.json));
  program
    .command("logs <name>")
    .description("print an app's process logs (apps/<app>/logs/)")
    .option("--process <type>", "only this process (web, worker, …; Litestream's log only with --process litestream)")
    .option("-n, --lines <n>", "lines to print from the end", "100")
    .option("-f, --follow", "keep printing new lines")
    .action((name: string, o: LogsOptions) =>
      run(async (deps) => (await import("./commands/logs.js")).logs(name, o, deps)),
    );
  for (const action of ["restart", "stop", "start"] as const) {
    program
      .command(`${action} <name>`)
      .description(CONTROL_HELP[action])
      .option("--json", "JSON output")
      .action((name: string, o: WithJson) =>
        run(async (deps) => (await import("./commands/control.js")).control(action, name, deps), o.json),
      );
  }
  program
    .command("restore <name>")
    .description("restore an app's missing databases from the replica (restore-on-boot, on demand)")
    .option("--timestamp <time>", "restore to this point in time (RFC 3339)")
    .option("--force", "replace existing databases: the app is stopped first and the current files are kept aside")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson<RestoreOptions>) =>
      run(async (deps) => (await import("./commands/restore.js")).restore(name, o, deps), o.json),
    );
  program
    .command("rejoin")
    .description(
      "after this host was replaced (lease taken over, LiteFS promote): set its databases aside so hostctl up restores the replica's",
    )
    .option("--json", "JSON output")
    .action((o: WithJson) => run(async (deps) => (await import("./commands/rejoin.js")).rejoin(deps), o.json));
}

function addCluster(program: Command, run: RunCommand): void {
  const cluster = program
    .command("cluster")
    .description("LiteFS clusters (docs/litefs.md): status, promote a replica, rejoin as a replica");
  cluster
    .command("status")
    .description("each LiteFS app's role on this node, its primary, positions and lag")
    .option("--json", "JSON output")
    .action((o: WithJson) => run(async (deps) => (await import("./commands/cluster.js")).status(deps), o.json));
  cluster
    .command("promote")
    .description("make this replica the primary (static lease) when the primary is gone; hostctl up must be stopped")
    .option("--force", "take the replica lease even though the old primary's is fresh (only once it is surely gone)")
    .option("--json", "JSON output")
    .action((o: WithJson<PromoteOptions>) =>
      run(async (deps) => (await import("./commands/cluster.js")).promote(o, deps), o.json),
    );
  cluster
    .command("rejoin")
    .description("make this node (an old primary) a replica of the current primary; hostctl up must be stopped")
    .option("--primary <node>", "the primary's node name")
    .option("--primary-advertise <url>", "the primary's litefs.advertise")
    .option("--primary-front-door <url>", "the primary's front door, for writes")
    .option("--primary-port-base <n>", "the primary's litefs.port_base (default: this node's)")
    .option("--json", "JSON output")
    .action((o: WithJson<RejoinFlags>) =>
      run(async (deps) => (await import("./commands/cluster.js")).rejoin(o, deps), o.json),
    );
}

function addDeploy(program: Command, run: RunCommand): void {
  program
    .command("deploy <name>")
    .description("fetch, build, migrate, health-check and switch to a new release")
    .option("--ref <ref>", "branch, tag or commit (default: the app's branch)")
    .option("--force", "run the release phase even when Litestream is down or behind")
    .addOption(new Option("--from-push", "the ref was pushed to push.git (used by its hook)").hideHelp())
    .option("--json", "print the result as JSON")
    .action((name: string, o: WithJson<DeployFlags>) =>
      run(async (deps) => (await import("./commands/deploy.js")).deploy(name, o, deps), o.json),
    );
  program
    .command("rollback <name>")
    .description("switch back to the previous release (or --to RELEASE); databases are not changed")
    .option("--to <release>", "release id or commit prefix (see hostctl releases NAME)")
    .option("--force", "roll back even when the database has migrations the release lacks")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson<RollbackFlags>) =>
      run(async (deps) => (await import("./commands/deploy.js")).rollback(name, o, deps), o.json),
    );
  program
    .command("releases <name>")
    .description("an app's releases: id, commit, message, when, current marker")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson) =>
      run(async (deps) => (await import("./commands/deploy.js")).releases(name, deps), o.json),
    );
}

function addRunInApp(program: Command, run: RunCommand): void {
  // run and manage pass every flag after NAME to the app's command, --help included.
  program
    .command("run <name> [command...]")
    .description(
      "run a command in the live release with the app's environment and venv (refused while a database is missing)",
    )
    .allowUnknownOption()
    .helpOption(false)
    .action((name: string, command: string[]) =>
      run(async (deps) => (await import("./commands/run.js")).runInApp(name, command, deps)),
    );
  program
    .command("manage <name> [args...]")
    .description("python manage.py ARGS in the live release (e.g. hostctl manage blog createsuperuser)")
    .allowUnknownOption()
    .helpOption(false)
    .action((name: string, args: string[]) =>
      run(async (deps) => (await import("./commands/run.js")).manage(name, args, deps)),
    );
  program
    .command("jobs <name>")
    .description("an app's scheduled jobs (jobs: in app.yml) and their last runs")
    .option("--json", "JSON output")
    .action((name: string, o: WithJson) =>
      run(async (deps) => (await import("./commands/jobs.js")).jobs(name, deps), o.json),
    );
  program
    .command("shell <name>")
    .description("manage.py shell in the live release")
    .action((name: string) => run(async (deps) => (await import("./commands/run.js")).shell(name, deps)));
}

function addStatusPage(program: Command, run: RunCommand): void {
  const page = program
    .command("status-page")
    .description("the read-only status page served through the front door (proxy.status)");
  page
    .command("passwd")
    .description("set the page's password, read from stdin (never argv); hostctl.yml keeps its scrypt hash")
    .option("--json", "JSON output")
    .action((o: WithJson) =>
      run(
        async (deps) => (await import("./commands/status-page.js")).statusPagePasswd(readFileSync(0, "utf8"), deps),
        o.json,
      ),
    );
  page
    .command("token")
    .description("make a new bearer token for GET /api/status (printed once; hostctl.yml keeps its hash)")
    .option("--json", "JSON output")
    .action((o: WithJson) =>
      run(async (deps) => (await import("./commands/status-page.js")).statusPageToken(deps), o.json),
    );
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

/** Source, tsc output and the bundle all sit two levels below package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** A closed or absent stdin reads as empty, so env set says there is nothing to set. */
function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}
