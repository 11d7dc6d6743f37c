// `npm run demo`: deploy, drill, lose the host and recover it on a fresh one against loopback S3.
// Every step runs the real hostctl as a subprocess, in a temp directory that is removed at the end.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { endStrays, killRecordedGroupsNow } from "../supervisor/process-records.js";
import { freePort } from "../lib/net.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "dist", "cli", "main.js");
const PYTHON = "/usr/bin/python3";
const CREDS = {
  AWS_ACCESS_KEY_ID: "demo",
  AWS_SECRET_ACCESS_KEY: "demo-secret-not-real",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

let step = 0;
const started = Date.now();

async function timed<T>(title: string, fn: () => Promise<T>): Promise<T> {
  step += 1;
  const t = Date.now();
  process.stdout.write(`\n[${step}] ${title}\n`);
  const value = await fn();
  process.stdout.write(`    done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return value;
}

function say(line: string): void {
  process.stdout.write(`    ${line}\n`);
}

async function hostctl(home: string, args: string[]): Promise<string> {
  const result = await execa(process.execPath, [CLI, "--home", home, ...args], { env: CREDS, reject: false });
  if (result.exitCode !== 0)
    throw new Error(`hostctl ${args.join(" ")} exited ${result.exitCode}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}

/** Serving under the supervisor (a deploy's short-lived health-check process does not count). */
async function running(home: string, port: number): Promise<boolean> {
  const status = JSON.parse(await hostctl(home, ["status", "--json"])) as {
    apps: { name: string; state: string }[] | undefined;
  };
  return status.apps?.find((a) => a.name === "blog")?.state === "running" && (await get(port, "/")).status === 200;
}

async function djangoAvailable(): Promise<boolean> {
  return (await execa(PYTHON, ["-c", "import django, gunicorn"], { reject: false })).exitCode === 0;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "hostctl-demo-"));
  const supervisors: { home: string; child: ResultPromise }[] = [];
  const { startFauxqs } = await import("fauxqs");
  const s3 = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  s3.createBucket("demo");
  const endpoint = `http://127.0.0.1:${s3.port}`;
  try {
    const django = await djangoAvailable();
    const fixture = django ? "django-app" : "generic-app";
    const repo = join(work, "repo");
    const port = await freePort();
    await timed(
      `a Git repository with the example ${django ? "Django" : "stdlib Python (Django not installed: apt-get install python3-django gunicorn)"} app`,
      async () => {
        await cp(join(ROOT, "test", "fixtures", fixture), repo, {
          recursive: true,
          filter: (src) => !/(__pycache__|db\.sqlite3|staticfiles)/.test(src),
        });
        const git = (args: string[]) =>
          execa("git", args, {
            cwd: repo,
            env: {
              GIT_AUTHOR_NAME: "demo",
              GIT_AUTHOR_EMAIL: "demo@localhost",
              GIT_COMMITTER_NAME: "demo",
              GIT_COMMITTER_EMAIL: "demo@localhost",
            },
          });
        await git(["init", "-q", "-b", "main"]);
        await git(["add", "-A"]);
        await git(["commit", "-q", "-m", "example app"]);
        say(`${repo} (branch main)`);
      },
    );
    const hostA = join(work, "host-a");
    const replica = ["--replica-url", "s3://demo/hostctl", "--s3-endpoint", endpoint, "--s3-force-path-style"];
    await timed(`host A: hostctl init + app add (S3 on ${endpoint})`, async () => {
      await hostctl(hostA, ["init", ...replica]);
      await hostctl(hostA, [
        "app",
        "add",
        "blog",
        "--repo",
        repo,
        "--kind",
        django ? "django" : "generic",
        "--db",
        "db.sqlite3",
        "--port",
        String(port),
        "--python",
        PYTHON,
        ...(django ? ["--system-site-packages"] : []),
      ]);
      say((await hostctl(hostA, ["app", "show", "blog"])).split("\n").slice(0, 5).join("\n    "));
    });
    const rowsPath = django ? "/notes" : "/rows";
    const count = async () => (JSON.parse((await get(port, rowsPath)).body) as { count: number }).count;
    const upA = execa(process.execPath, [CLI, "--home", hostA, "up"], {
      env: { ...CREDS, HOSTCTL_STOP_GRACE_MS: "3000" },
      reject: false,
      forceKillAfterDelay: false,
      stdout: "ignore",
      stderr: "ignore",
    });
    supervisors.push({ home: hostA, child: upA });
    await timed("host A: hostctl up (first deploy from the branch, then serve)", async () => {
      await waitFor("the site", () => running(hostA, port), 180_000);
      say(`GET / → ${(await get(port, "/")).body}`);
    });
    await timed("write 25 rows through the site", async () => {
      for (let i = 1; i <= 25; i++) {
        const response = await fetch(`http://127.0.0.1:${port}${rowsPath}`, {
          method: "POST",
          body: `body=row ${i}`,
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
        if (response.status !== 201) throw new Error(`POST ${rowsPath} answered ${response.status}`);
      }
      say(`rows on host A: ${await count()}`);
    });
    await timed("restore drill (hostctl drill blog)", async () => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const result = await execa(process.execPath, [CLI, "--home", hostA, "drill", "blog"], {
        env: CREDS,
        reject: false,
      });
      say(result.stdout.split("\n").join("\n    "));
      say(`exit ${result.exitCode}`);
    });
    await timed("lose host A: SIGKILL the supervisor and every app process, delete its directory", async () => {
      // Like a power cut: no SIGTERM, so Litestream cannot ship a last write on the way out.
      upA.kill("SIGKILL");
      await killRecordedGroupsNow(join(hostA, "run", "pids"));
      await upA;
      await endStrays(join(hostA, "run", "pids"), 1000);
      await rm(hostA, { recursive: true, force: true });
      say("host A is gone; the replica in S3 is all that is left");
    });
    const hostB = join(work, "host-b");
    const { child: upB } = await timed(
      "host B: hostctl init (same replica) + hostctl up --takeover (host A is gone): discover, restore, deploy the live commit, serve",
      async () => {
        await hostctl(hostB, ["init", ...replica]);
        const child = execa(process.execPath, [CLI, "--home", hostB, "up", "--takeover"], {
          env: { ...CREDS, HOSTCTL_STOP_GRACE_MS: "3000" },
          reject: false,
          forceKillAfterDelay: false,
          stdout: "ignore",
          stderr: "ignore",
        });
        supervisors.push({ home: hostB, child });
        await waitFor("the recovered site", () => running(hostB, port), 180_000);
        // Wrapped: returning the subprocess itself would await its exit (it is a thenable).
        return { child };
      },
    );
    await timed("the rows are back", async () => {
      const rows = await count();
      say(`rows on host B: ${rows} (wrote 25 on host A)`);
      if (rows !== 25) throw new Error(`expected 25 rows, found ${rows}`);
      say((await hostctl(hostB, ["status"])).split("\n").join("\n    "));
    });
    await timed("stop host B gracefully (apps first, then Litestream)", async () => {
      upB.kill("SIGTERM");
      await upB;
    });
    process.stdout.write(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    for (const { home, child } of supervisors) {
      child.kill("SIGKILL");
      await child.catch(() => undefined);
      await endStrays(join(home, "run", "pids"), 1000);
    }
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
