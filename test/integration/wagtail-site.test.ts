import { execa } from "execa";
import { readFile, realpath, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, listKeys, newBucket } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, freePort } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { HttpSession, redPng, type FrontDoorTarget } from "../helpers/http-session.js";
import { caddyRoot, initWithFrontDoor } from "../helpers/front-door.js";
import {
  hostStatus,
  killAllSupervisors,
  killHost,
  startSupervisor,
  waitAppRunning,
  waitForSocket,
} from "../helpers/supervisor.js";
import { pipCacheDir } from "../helpers/tools.js";
import { litestreamBinary } from "../../src/litestream/binary.js";

// The fixture is `wagtail start mysite` committed unmodified (but for its Django pin): no Procfile,
// no DATABASE_URL handling, development settings by default, no gunicorn in its requirements. Every request
// goes through the front door (real Caddy, HTTPS from its local CA) with the site's domain, as a browser's would.
const env = { ...TEST_CREDENTIALS, PIP_CACHE_DIR: pipCacheDir };
const PASSWORD = "correct-horse-battery-staple";
const DOMAIN = "www.wagtail.test";
let bucket: string;
let endpoint: string;
let client: Awaited<ReturnType<typeof newBucket>>["client"];
let repo: TestRepo;
let port: number;

beforeAll(async () => {
  ({ bucket, endpoint, client } = await newBucket());
  repo = await gitRepo({ fixture: join(FIXTURES, "wagtail-site") });
  port = await freePort();
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

/** Restores the replica as it stands (real Litestream, from S3) into scratch space and asks it a question. */
async function replicaHas(home: string, sql: string, expected: string): Promise<boolean> {
  const out = join(await tempDir("replica"), "db.sqlite3");
  const restored = await execa(
    litestreamBinary(undefined, process.env),
    [
      "restore",
      "-config",
      join(home, "run", "litestream", "site.yml"),
      "-o",
      out,
      join(home, "apps", "site", "data", "db.sqlite3"),
    ],
    { env, reject: false },
  );
  if (restored.exitCode !== 0) return false;
  return (await execa("sqlite3", [out, sql])).stdout.trim() === expected;
}

/** The site's domain on host's front door, once Caddy has made its local CA. */
async function frontDoor(home: string, https: number): Promise<FrontDoorTarget> {
  const ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined), 60_000);
  return { host: DOMAIN, port: https, ca };
}

async function logIn(session: HttpSession): Promise<void> {
  const login = await session.submit("/admin/login/", { username: "admin", password: PASSWORD, next: "/admin/" });
  expect(login.status, login.body.slice(0, 2000)).toBe(302);
  expect((await session.get("/admin/")).status).toBe(200);
}

describe("an unmodified Wagtail site from PyPI", () => {
  it(
    "deploys, takes an admin login, a page and an image, and comes back whole on a fresh host",
    { timeout: 900_000 },
    async () => {
      const hostA = join(await tempDir(), "host-a");
      const replica = ["--replica-url", `s3://${bucket}/wagtail`, "--s3-endpoint", endpoint, "--s3-force-path-style"];
      const doorA = await initWithFrontDoor(hostA, replica, env);
      expect(doorA.init.exitCode, doorA.init.stderr).toBe(0);
      const add = await runCli(hostA, [
        "app",
        "add",
        "site",
        "--kind",
        "wagtail",
        "--repo",
        repo.dir,
        "--port",
        String(port),
        "--db",
        "db.sqlite3",
        "--domain",
        DOMAIN,
      ]);
      expect(add.exitCode, add.stderr).toBe(0);
      expect(add.stdout).toContain("generated DJANGO_SECRET_KEY");
      expect((await stat(join(hostA, "apps", "site", "env"))).mode & 0o777).toBe(0o600);

      const a = await startSupervisor(hostA, env);
      await waitForSocket(hostA);
      // A first deploy that fails is not retried: say why at once instead of waiting out the deadline.
      const first = await waitFor(
        "the first deploy of the Wagtail site",
        async () => {
          const app = (await hostStatus(hostA)).apps[0];
          if (app?.state === "failed" && app.next_retry_at === undefined) return `failed: ${app.reason ?? "?"}`;
          return app?.state === "running" ? "running" : undefined;
        },
        600_000,
        1000,
      );
      expect(first, first === "running" ? "" : (await a.log()).slice(-4000)).toBe("running");
      const site = new HttpSession(await frontDoor(hostA, doorA.https));
      await waitFor("the home page", async () => (await site.get("/")).status === 200, 60_000);
      expect((await site.get("/")).body).toContain("Welcome to your new Wagtail site!");

      // The admin login page and its stylesheet, collected (hashed by the project's manifest storage) into
      // STATIC_ROOT and served by the front door from there.
      const loginPage = await site.get("/admin/login/");
      expect(loginPage.status).toBe(200);
      const css = /href="\/static\/(wagtailadmin\/css\/core\.[0-9a-f]+\.css)"/.exec(loginPage.body)?.[1];
      expect(css).toBeDefined();
      const releaseA = await realpath(join(hostA, "apps", "site", "current"));
      expect((await stat(join(releaseA, "staticfiles", css ?? ""))).size).toBeGreaterThan(1000);
      const stylesheet = await site.get(`/static/${css ?? ""}`);
      expect(stylesheet.status).toBe(200);
      expect(stylesheet.contentType).toMatch(/^text\/css/);
      expect(stylesheet.bytes).toEqual(await readFile(join(releaseA, "staticfiles", css ?? "")));
      // Nothing was written inside the project's own files: the shim lives in .hostctl/, the database in data/.
      expect(await repo.git("status", "--porcelain")).toBe("");

      const superuser = await runCli(
        hostA,
        ["manage", "site", "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com"],
        { env: { DJANGO_SUPERUSER_PASSWORD: PASSWORD } },
      );
      expect(superuser.exitCode, superuser.stderr).toBe(0);
      expect(superuser.stdout).toContain("Superuser created successfully.");

      await logIn(site);
      const page = await site.submit("/admin/pages/add/home/homepage/3/", {
        title: "Hosted without changes",
        slug: "hosted",
        "action-publish": "action-publish",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
      });
      expect(page.status, page.body.slice(0, 2000)).toBe(302);
      expect((await site.get("/hosted/")).body).toContain("Hosted without changes");
      const png = await redPng();
      const form = new FormData();
      form.set("title", "Red square");
      form.set("file", new Blob([png], { type: "image/png" }), "red.png");
      form.set("tags", "");
      const upload = await site.submit("/admin/images/add/", form);
      expect(upload.status, upload.body.slice(0, 2000)).toBe(302);
      expect(await readFile(join(hostA, "apps", "site", "data", "media", "original_images", "red.png"))).toEqual(png);

      // Lose the host once the image is in the replica and Litestream has shipped the page.
      await waitFor(
        "the image in the replica",
        async () => (await listKeys(client, bucket, "wagtail/_hostctl/media/site/")).some((k) => k.endsWith("red.png")),
        60_000,
        500,
      );
      await waitFor(
        "the page and the image in the replica",
        () =>
          replicaHas(
            hostA,
            "SELECT (SELECT count(*) FROM wagtailcore_page WHERE slug = 'hosted') + (SELECT count(*) FROM wagtailimages_image)",
            "2",
          ),
        90_000,
        1000,
      );
      await killHost(hostA, a);
      await rm(hostA, { recursive: true, force: true });

      const hostB = join(await tempDir(), "host-b");
      const doorB = await initWithFrontDoor(hostB, replica, env);
      expect(doorB.init.exitCode, doorB.init.stderr).toBe(0);
      const b = await startSupervisor(hostB, env, join(await tempDir(), "b.log"), ["--takeover"]);
      await waitForSocket(hostB);
      // On a timeout, the app's last state and the supervisor's log tail say why (a CI run waited here 600 s blind).
      await waitAppRunning(hostB, b, 600_000, "site");
      const again = new HttpSession(await frontDoor(hostB, doorB.https));
      await waitFor("the page on host B", async () => (await again.get("/hosted/")).status === 200, 60_000);
      expect((await again.get("/hosted/")).body).toContain("Hosted without changes");
      expect(await readFile(join(hostB, "apps", "site", "data", "media", "original_images", "red.png"))).toEqual(png);
      const image = await again.get("/media/original_images/red.png");
      expect(image.status).toBe(200);
      expect(image.contentType).toBe("image/png");
      expect(image.bytes).toEqual(png);
      await logIn(again);
      expect((await again.get("/admin/images/")).body).toContain("Red square");
      expect(await b.stop("SIGTERM")).toBe(0);
    },
  );
});
