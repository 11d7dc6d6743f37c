import type { Command } from "commander";
import { commands, type Runner } from "./command-loaders.js";
import type { AppAddOptions } from "./commands/app.js";
import { collect } from "./arguments.js";

/** hostctl app: add, list, show, remove, check, rename-db, push-setup. */
export function registerAppCommands(program: Command, run: Runner): void {
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
    .command("rename-db <name> <old> <new>")
    .description("rename a database: the app stopped, the file renamed, app.yml updated, the app started (a new replica path)")
    .option("--json", "JSON output")
    .action((name: string, from: string, to: string, o: { json?: boolean }) =>
      run(async (deps) => (await commands.appRenameDb()).appRenameDb(name, from, to, deps), o.json),
    );
  app
    .command("push-setup <name>")
    .description("create apps/<app>/push.git: git push to it deploys the app's branch")
    .option("--json", "JSON output")
    .action((name: string, o: { json?: boolean }) => run(async (deps) => (await commands.deploy()).pushSetup(name, deps), o.json));
}
