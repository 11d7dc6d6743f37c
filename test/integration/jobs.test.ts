import { createServer, type Server } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { freePort, installRelease } from "../helpers/apps.js";
import { appsRunning, hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";

interface JobSummary {
  ok: boolean | null;
  exit_code: number | null;
  overlaps_skipped: number;
  last_run_at: string | null;
}

let home: string;
let hook: Server;
const alerts: { type: string; job: string; ok: boolean; exit_code: number | null }[] = [];

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      alerts.push(JSON.parse(body) as (typeof alerts)[number]);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const hookPort = (hook.address() as { port: number }).port;
  home = join(await tempDir(), "home");
  expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
    0,
  );
  expect(
    (
      await runCli(home, [
        "app",
        "add",
        "gen",
        "--kind",
        "generic",
        "--repo",
        "/unused",
        "--port",
        String(await freePort()),
        "--db",
        "db.sqlite3",
      ])
    ).exitCode,
  ).toBe(0);
  // Every second (node-cron's six-field form): one job that fails, one that outlasts its interval.
  const file = join(home, "apps", "gen", "app.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  doc.set("jobs", [
    { name: "fails", schedule: "* * * * * *", command: 'echo about to fail; echo "db is $DATABASE_URL" >&2; exit 3' },
    { name: "slow", schedule: "* * * * * *", command: "sleep 3; echo slow done" },
  ]);
  doc.set("alerts", { webhook: `http://127.0.0.1:${hookPort}/hook` });
  await writeFile(file, doc.toString());
  await installRelease(home, "gen", "generic-app");
});

afterAll(async () => {
  await killAllSupervisors();
  hook.close();
  await cleanupTempDirs();
});

describe("app jobs under hostctl up", () => {
  it(
    "a failing job alerts and shows in status and hostctl jobs; a job still running when it fires again is skipped with a log line",
    { timeout: 120_000 },
    async () => {
      const up = await startSupervisor(home);
      await waitForSocket(home);
      await waitFor("gen running", () => appsRunning(home, 1), 30_000);
      const jobs = async () => ((await hostStatus(home)).apps[0]?.jobs ?? {}) as Record<string, JobSummary>;
      await waitFor("a failed run in status", async () => (await jobs()).fails?.exit_code === 3, 30_000);
      expect((await jobs()).fails).toMatchObject({ ok: false, exit_code: 3 });
      await waitFor(
        "the failure alert",
        () => alerts.some((a) => a.type === "job" && a.job === "fails" && !a.ok && a.exit_code === 3),
        30_000,
      );

      await waitFor(
        "a finished slow run and skipped firings",
        async () => {
          const slow = (await jobs()).slow;
          return slow?.ok === true && slow.overlaps_skipped >= 2;
        },
        30_000,
      );
      const slowLog = await readFile(join(home, "apps", "gen", "logs", "job-slow.log"), "utf8");
      expect(slowLog).toContain("slow done");
      expect(slowLog).toMatch(/\[hostctl\] skipped: the previous run \(started .*\) is still going/);
      // Never two at once: every start line is followed by its end line before the next start.
      const marks = slowLog
        .split("\n")
        .filter((l) => /\[hostctl\] (start|end):/.test(l))
        .map((l) => (l.includes("] start:") ? "s" : "e"))
        .join("");
      expect(marks).toMatch(/^(se)+s?$/);
      const failLog = await readFile(join(home, "apps", "gen", "logs", "job-fails.log"), "utf8");
      expect(failLog).toContain(`db is sqlite:///${join(home, "apps", "gen", "data", "db.sqlite3")}`);

      const listed = await runCli(home, ["jobs", "gen", "--json"]);
      expect(listed.exitCode).toBe(0);
      const byName = Object.fromEntries(
        (JSON.parse(listed.stdout) as { name: string; last?: { ok: boolean; exit_code: number } }[]).map((j) => [
          j.name,
          j,
        ]),
      );
      expect(byName.fails?.last).toMatchObject({ ok: false, exit_code: 3 });
      expect((await runCli(home, ["status"])).stdout).toMatch(
        /^job gen\/fails: (running; last )?FAILED \(exit 3\) \d+s ago/m,
      );
      // The job fires every second: it may be running again as the table is printed.
      expect((await runCli(home, ["jobs", "gen"])).stdout).toMatch(
        /^fails\s+\* \* \* \* \* \*\s+(running since )?\S+ ago\s+failed \(exit 3\)/m,
      );
      // A running job is recorded in run/pids, so a supervisor that was SIGKILLed has it ended by the next `up`.
      await waitFor(
        "the slow job's process record",
        async () => {
          const record = await readFile(join(home, "run", "pids", "gen.job-slow.json"), "utf8").catch(() => undefined);
          return (
            record !== undefined && (JSON.parse(record) as { command: string }).command === "sleep 3; echo slow done"
          );
        },
        10_000,
        100,
      );
      expect(await up.stop("SIGTERM")).toBe(0);
    },
  );

  it("app add --kind wagtail writes the publish_scheduled job into app.yml", async () => {
    const add = await runCli(home, [
      "app",
      "add",
      "cms",
      "--kind",
      "wagtail",
      "--repo",
      "/unused",
      "--port",
      String(await freePort()),
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toContain("job publish_scheduled (*/10 * * * *): python manage.py publish_scheduled");
    const show = await runCli(home, ["app", "show", "cms"]);
    expect(show.stdout).toContain("settings:   hostctl_settings over the project's");
    expect(show.stdout).toContain("DEBUG = False");
    expect(show.stdout).toContain("jobs:       publish_scheduled (*/10 * * * *): python manage.py publish_scheduled");
    expect(await readFile(join(home, "apps", "cms", "app.yml"), "utf8")).toMatch(
      /jobs:\n\s+- name: publish_scheduled\n\s+schedule: "\*\/10 \* \* \* \*"\n\s+command: python manage.py publish_scheduled/,
    );
  });
});
