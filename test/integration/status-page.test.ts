import { createServer, connect, type Server, type Socket } from "node:net";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addGenericApp } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { TEST_CREDENTIALS, startPrivateS3 } from "../helpers/s3.js";
import {
  hostStatus,
  killAllSupervisors,
  startSupervisor,
  waitAppRunning,
  waitForSocket,
  type RunningSupervisor,
} from "../helpers/supervisor.js";
import { caddyRoot, frontRequest, initWithFrontDoor } from "../helpers/front-door.js";
import { Browser, killBrowsers, type Page } from "../helpers/browser.js";
import { CHART } from "../../src/status-page/chart.js";
import { parseLagHistory, type LagSample } from "../../src/status-page/lag-history.js";
import { parseDrills } from "../../src/drills/history.js";
import type { DrillResult } from "../../src/drills/result.js";

// Issue 29: the status page through the front door, in a real browser (headless Chromium over CDP).
const PASSWORD = "correct horse battery staple";
let home: string;
let https: number;
let ca: string;
let sup: RunningSupervisor;
let s3: Awaited<ReturnType<typeof startPrivateS3>>;
let relay: Relay;
let shopRepo: TestRepo;
let browser: Browser;
let page: Page;
const url = (path = "/") => `https://status.test:${https}${path}`;

/** A TCP relay to the S3 endpoint that can hang: connections stay open and nothing passes either way. */
interface Relay {
  port: number;
  hang: () => void;
  close: () => Promise<void>;
}

async function startRelay(target: number): Promise<Relay> {
  let hung = false;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    sockets.push(client);
    client.on("error", () => undefined);
    if (hung) return;
    const upstream = connect(target, "127.0.0.1");
    sockets.push(upstream);
    upstream.on("error", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    hang: () => {
      hung = true;
      for (const socket of sockets) socket.unpipe();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Most of a day of minutes before `up` (a slow hour, a spike, an hour down): the chart carries it across the restart. */
function pastLag(now: number): LagSample[] {
  const out: LagSample[] = [];
  for (let m = 23 * 60; m >= 2; m--) {
    if (m < 600 && m > 540) continue;
    const lag = m === 300 ? 42 : m > 780 && m < 840 ? 6 + (m % 9) : (m % 5) / 4;
    out.push({
      t: new Date(now - m * 60_000).toISOString(),
      lag_s: lag,
      media_lag_s: m % 180 < 20 ? 3 + (m % 180) / 2 : 1,
    });
  }
  return out;
}

function pastDrill(daysAgo: number, ok: boolean, restoreMs: number): DrillResult {
  return {
    ok,
    app: "shop",
    started_at: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
    duration_ms: restoreMs + 400,
    trigger: "schedule",
    live: true,
    versions: null,
    ...(ok ? {} : { reason: "db.sqlite3: row_counts: items: 3 live, 1 restored" }),
    databases: [
      {
        path: "db.sqlite3",
        ok,
        generation: "0000000000000001",
        restore_ms: restoreMs,
        bytes: 8192,
        lag_s: ok ? 0.8 : 2.5,
        integrity: "full",
        checks: [{ name: "row_counts", ok, detail: ok ? "ok" : "items: 3 live, 1 restored" }],
      },
    ],
  };
}

beforeAll(async () => {
  s3 = await startPrivateS3();
  s3.createBucket("page");
  relay = await startRelay(s3.port);
  home = join(await tempDir(), "home");
  const endpoint = `http://127.0.0.1:${relay.port}`;
  const front = await initWithFrontDoor(
    home,
    [
      "--replica-url",
      "s3://page/host",
      "--s3-endpoint",
      endpoint,
      "--s3-force-path-style",
      "--status-domain",
      "status.test",
    ],
    TEST_CREDENTIALS,
  );
  expect(front.init.exitCode, front.init.stderr).toBe(0);
  https = front.https;
  const passwd = await runCli(home, ["status-page", "passwd"], { input: `${PASSWORD}\n` });
  expect(passwd.exitCode, passwd.stderr).toBe(0);
  expect(await readFile(join(home, "hostctl.yml"), "utf8")).not.toContain(PASSWORD);

  shopRepo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  const shop = await addGenericApp(home, "shop", shopRepo.dir, ["--domain", "shop.test"], { env: TEST_CREDENTIALS });
  expect(shop.exitCode, shop.stderr).toBe(0);
  // Serves until a marker file appears in its data directory; from then on every start exits at once.
  const crashRepo = await gitRepo({
    fixture: join(FIXTURES, "generic-app"),
    files: {
      Procfile: "web: /bin/sh start.sh\n",
      "start.sh":
        'if [ -f "$HOSTCTL_DATA_DIR/crash" ]; then echo crashing; exit 3; fi\nexec /usr/bin/python3 server.py\n',
    },
  });
  const crashy = await addGenericApp(home, "crashy", crashRepo.dir, [], { env: TEST_CREDENTIALS });
  expect(crashy.exitCode, crashy.stderr).toBe(0);
  const shopDir = join(home, "apps", "shop");
  await mkdir(shopDir, { recursive: true });
  const lines = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  await writeFile(join(shopDir, "lag-history.jsonl"), lines(pastLag(Date.now())));
  await writeFile(
    join(shopDir, "drills.jsonl"),
    lines([pastDrill(6, true, 900), pastDrill(4, false, 1400), pastDrill(2, true, 1100)]),
  );

  sup = await startSupervisor(home, { ...TEST_CREDENTIALS, HOSTCTL_BACKOFF_SCALE: "0.05" });
  await waitForSocket(home);
  await waitAppRunning(home, sup, 90_000, "shop");
  await waitAppRunning(home, sup, 90_000, "crashy");
  await writeFile(join(home, "apps", "crashy", "data", "crash"), "");
  const web = (await hostStatus(home)).apps
    .find((a) => a.name === "crashy")
    ?.processes.find((p) => p.type === "web")?.pid;
  process.kill(web ?? 0, "SIGKILL");
  let crashyState: unknown;
  await waitFor(
    "crashy crash-looping",
    async () => {
      crashyState = (await hostStatus(home)).apps.find((a) => a.name === "crashy");
      return (crashyState as { state?: string } | undefined)?.state === "crashloop";
    },
    60_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${JSON.stringify(crashyState)}`);
  });
  ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined));
  browser = Browser.launch({ userDataDir: await tempDir("chromium"), hostRules: "MAP status.test 127.0.0.1" });
  page = await browser.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  killBrowsers();
  await killAllSupervisors();
  await relay?.close();
  await s3?.stop();
  await cleanupTempDirs();
});

interface ChartDom {
  app: string;
  from: number;
  to: number;
  max: number;
  points: string[];
}

/** Every lag chart on the page: its app, its axis and its points (polylines and lone dots), in order. */
function lagCharts(): Promise<ChartDom[]> {
  return page.evaluate<ChartDom[]>(`[...document.querySelectorAll('svg[data-chart="lag"]')].map((svg) => ({
    app: svg.closest("section").id.replace(/^app-/, ""),
    from: Number(svg.dataset.from), to: Number(svg.dataset.to), max: Number(svg.dataset.max),
    points: [...svg.querySelectorAll(".lag_s")].flatMap((el) => el.tagName === "circle"
      ? [el.getAttribute("cx") + "," + el.getAttribute("cy")] : el.getAttribute("points").split(" ")),
  }))`);
}

/** Where a sample must be drawn: the chart's axis from its data attributes, the plot area of chart.ts. */
function expectedPoint(chart: ChartDom, sample: LagSample): [number, number] {
  const w = CHART.width - CHART.left - CHART.right;
  const h = CHART.height - CHART.top - CHART.bottom;
  const x = CHART.left + ((Date.parse(sample.t) - chart.from) / (chart.to - chart.from)) * w;
  const y = CHART.top + h - (Math.min(sample.lag_s ?? 0, chart.max) / chart.max) * h;
  return [x, y];
}

describe("the status page in a browser, through Caddy", () => {
  it("sends a browser without a session to the login page, and refuses a wrong password", async () => {
    await page.goto(url("/"));
    expect(await page.evaluate<string>("location.pathname")).toBe("/login");
    expect(await page.evaluate<boolean>(`document.querySelector('input[type="password"]') !== null`)).toBe(true);
    await page.logIn("not the password");
    expect(await page.evaluate<string>("location.pathname")).toBe("/login");
    expect(await page.evaluate<string>("document.querySelector('.bad').textContent")).toBe("wrong password");
    expect(await page.evaluate<string>("document.cookie")).toBe("");
  });

  it("logs in and shows every app with its 24 h lag chart drawn from its history, and the drills", async () => {
    await page.logIn(PASSWORD);
    expect(await page.evaluate<string>("location.pathname")).toBe("/");
    const text = await page.evaluate<string>("document.body.innerText");
    expect(text).toMatch(/shop\s+running/);
    expect(text).toMatch(/crashy\s+crashloop/);
    const charts = await lagCharts();
    expect(charts.map((c) => c.app).sort()).toEqual(["crashy", "shop"]);
    for (const chart of charts) {
      const history = parseLagHistory(
        await readFile(join(home, "apps", chart.app, "lag-history.jsonl"), "utf8").catch(() => ""),
      );
      // The samples of the chart's day (one written after the page was rendered is not on it).
      const shown = history.filter(
        (s) => Date.parse(s.t) > chart.from && Date.parse(s.t) <= chart.to && s.lag_s !== null,
      );
      expect(chart.points).toHaveLength(shown.length);
      shown.forEach((sample, i) => {
        const [x, y] = (chart.points[i] ?? "").split(",").map(Number);
        const [ex, ey] = expectedPoint(chart, sample);
        expect(x).toBeCloseTo(ex, 1);
        expect(y).toBeCloseTo(ey, 1);
      });
    }
    const shop = charts.find((c) => c.app === "shop");
    expect(shop?.points.length).toBeGreaterThanOrEqual(pastLag(Date.now()).length - 1);
    expect(shop?.max).toBe(50); // the 42 s spike sets the scale

    const drills = await page.evaluate<{ at: string; ok: string; title: string }[]>(
      `[...document.querySelectorAll('#app-shop svg[data-chart="drills"] g.drill')].map((g) => ({ at: g.dataset.at, ok: g.dataset.ok, title: g.querySelector("title").textContent }))`,
    );
    const recorded = parseDrills(await readFile(join(home, "apps", "shop", "drills.jsonl"), "utf8"));
    expect(drills.map((d) => [d.at, d.ok])).toEqual(recorded.map((d) => [d.started_at, String(d.ok)]));
    expect(drills.find((d) => d.ok === "false")?.title).toContain("FAILED: db.sqlite3: row_counts");

    const shot = await page.screenshot(join(await tempDir("shot"), "status-page.png"));
    expect(shot.subarray(1, 4).toString()).toBe("PNG");
    if (process.env.HOSTCTL_STATUS_SCREENSHOT) await writeFile(process.env.HOSTCTL_STATUS_SCREENSHOT, shot);
  });

  it("answers /api/status with status --json plus the histories (bearer token), deploys and rollbacks with their steps", async () => {
    const v2 = await shopRepo.commit("v2", { VERSION: "2\n" });
    const deploy = await runCli(home, ["deploy", "shop"], { env: TEST_CREDENTIALS });
    expect(deploy.exitCode, deploy.stderr).toBe(0);
    const rollback = await runCli(home, ["rollback", "shop"], { env: TEST_CREDENTIALS });
    expect(rollback.exitCode, rollback.stderr).toBe(0);
    const token = await runCli(home, ["status-page", "token", "--json"]);
    expect(token.exitCode, token.stderr).toBe(0);
    const { token: bearer } = JSON.parse(token.stdout) as { token: string };
    const answer = await frontRequest({
      host: "status.test",
      port: https,
      path: "/api/status",
      ca,
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(answer.status).toBe(200);
    const api = JSON.parse(answer.body) as Record<string, unknown> & {
      apps: { name: string; state: string }[];
      history: Record<string, { lag: LagSample[]; drills: unknown[] }>;
    };
    const cli = await hostStatus<Record<string, unknown> & { apps: { name: string }[] }>(home);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(cli), "certificates", "generated_at", "history"].sort());
    expect(api.apps.map((a) => a.name)).toEqual(cli.apps.map((a) => a.name));
    expect(api.history.shop?.drills).toHaveLength(3);
    const deploys = (
      api.history.shop as unknown as {
        deploys: { kind: string; ok: boolean; commit?: string; steps: { name: string; ms: number }[] }[];
      }
    ).deploys;
    // Newest first: the rollback, the deploy of v2, the first deploy.
    expect(deploys.map((d) => [d.kind, d.ok])).toEqual([
      ["rollback", true],
      ["deploy", true],
      ["deploy", true],
    ]);
    expect(deploys[1]?.commit).toBe(v2);
    expect(deploys[1]?.steps.map((step) => step.name)).toEqual(expect.arrayContaining(["fetch", "build", "activate"]));
    expect(deploys[0]?.steps.map((step) => step.name)).toEqual(["activate"]);
    expect(api.history.shop?.lag.length).toBeGreaterThan(0);
    const refused = await frontRequest({ host: "status.test", port: https, path: "/api/status", ca });
    expect(refused.status).toBe(401);
  });

  it("answers at once while S3 hangs", async () => {
    relay.hang();
    const started = Date.now();
    await page.goto(url("/"));
    expect(await page.evaluate<string>("location.pathname")).toBe("/");
    expect((await lagCharts()).length).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
