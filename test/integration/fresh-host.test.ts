import { readFile, rm, writeFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, getJson, listKeys, newBucket } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addDjangoApp, freePort, httpGet, httpPost, waitAnswering } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import {
  appsRunning,
  hostStatus,
  killAllSupervisors,
  killHost,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";

const env = TEST_CREDENTIALS;
let bucket: string;
let endpoint: string;
let client: Awaited<ReturnType<typeof newBucket>>["client"];
const ports = { blog: 0, shop: 0, gen: 0 };
const repos: Record<string, TestRepo> = {};

const status = hostStatus;

async function allAnswering(): Promise<void> {
  for (const port of Object.values(ports)) await waitAnswering(port);
}

const count = async (port: number, path: string) =>
  (JSON.parse((await httpGet(port, path)).body) as { count: number }).count;

beforeAll(async () => {
  ({ bucket, endpoint, client } = await newBucket());
  repos.blog = await gitRepo({ fixture: join(FIXTURES, "django-app") });
  repos.shop = await gitRepo({ fixture: join(FIXTURES, "django-app") });
  repos.gen = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
});

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("a fresh host brings every site back", () => {
  it("after the host is lost, `init` + `up` on a new directory serves all three apps with their rows, media and live commits", async () => {
    const hostA = join(await tempDir(), "host-a");
    const replica = ["--replica-url", `s3://${bucket}/dr`, "--s3-endpoint", endpoint, "--s3-force-path-style"];
    expect((await runCli(hostA, ["init", ...replica], { env })).exitCode).toBe(0);
    // Env files are mirrored encrypted to a key whose private half stays off the host.
    const keys = JSON.parse((await runCli(hostA, ["keygen", "--json"])).stdout) as {
      public_key: string;
      private_key: string;
    };
    const config = parseDocument(await readFile(join(hostA, "hostctl.yml"), "utf8"));
    config.setIn(["registry", "env_public_key"], keys.public_key);
    await writeFile(join(hostA, "hostctl.yml"), config.toString());
    for (const name of ["blog", "shop"] as const) {
      expect((await addDjangoApp(hostA, name, repos[name]!.dir, ports[name])).exitCode).toBe(0);
    }
    expect(
      (
        await runCli(hostA, [
          "app",
          "add",
          "gen",
          "--kind",
          "generic",
          "--repo",
          repos.gen!.dir,
          "--port",
          String(ports.gen),
          "--db",
          "db.sqlite3",
        ])
      ).exitCode,
    ).toBe(0);
    expect((await runCli(hostA, ["env", "set", "blog", "GREETING=hello"])).exitCode).toBe(0);

    const a = await startSupervisor(hostA, env);
    await waitForSocket(hostA);
    await waitFor("host A serving three apps", () => appsRunning(hostA, 3), 90_000);
    await allAnswering();

    // blog's live release is v2; v3 is pushed to the branch but never deployed: recovery must bring v2 back.
    const v2 = await repos.blog!.commit("v2", { "site_app/version.py": 'VERSION = "v2"\n' });
    expect((await runCli(hostA, ["deploy", "blog"], { env })).exitCode).toBe(0);
    await repos.blog!.commit("v3", { "site_app/version.py": 'VERSION = "v3"\n' });
    const live = Object.fromEntries((await status(hostA)).apps.map((app) => [app.name, app.release]));
    expect(live.blog).toContain(v2.slice(0, 7));

    for (let i = 0; i < 5; i++) expect((await httpPost(ports.blog, "/notes", `body=blog ${i}`)).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await httpPost(ports.shop, "/notes", `body=shop ${i}`)).status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await httpPost(ports.gen, "/rows", `gen ${i}`)).status).toBe(201);
    const photo = "fake image bytes ".repeat(1000);
    expect(
      (await fetch(`http://127.0.0.1:${ports.blog}/media?name=photo.jpg`, { method: "POST", body: photo })).status,
    ).toBe(201);

    // The media sync round and the registry copy run on their own schedule; wait until both are in S3.
    await waitFor(
      "media in the replica",
      async () => (await listKeys(client, bucket, "dr/_hostctl/media/blog/")).some((k) => k.endsWith("photo.jpg")),
      60_000,
      500,
    );
    await waitFor(
      "blog's live commit in the replica's registry",
      async () =>
        (
          await getJson<{ live: { commit: string } | null }>(client, bucket, "dr/_hostctl/registry/blog.json").catch(
            () => undefined,
          )
        )?.live?.commit === v2,
      30_000,
      250,
    );
    await waitFor(
      "every write shipped",
      async () =>
        (await hostStatus(hostA)).apps.every(
          (app) => (app.replication ?? []).length > 0 && (app.replication ?? []).every((r) => !r.behind),
        ),
      30_000,
      250,
    );

    // app add generated blog's Django secret key; it comes back with the env file (sessions survive).
    const envA = (await runCli(hostA, ["env", "list", "blog", "--values"])).stdout;
    expect(envA).toMatch(/^DJANGO_SECRET_KEY=\S{50}\nGREETING=hello$/);
    await killHost(hostA, a);
    await rm(hostA, { recursive: true, force: true });

    const hostB = join(await tempDir(), "host-b");
    expect((await runCli(hostB, ["init", ...replica], { env })).exitCode).toBe(0);
    await writeFile(join(hostB, "env.key"), keys.private_key, { mode: 0o600 });
    const withKey = { ...env, HOSTCTL_ENV_KEY_FILE: join(hostB, "env.key") };
    // Host A's lease is still fresh: `up --no-wait` refuses and names the holder (a plain `up` would wait)…
    const refused = await startSupervisor(hostB, withKey, join(await tempDir(), "refused.log"), ["--no-wait"]);
    expect((await refused.child).exitCode).toBe(1);
    expect(await refused.log()).toMatch(/error\[LEASE_HELD\]: .*held by/);
    // …and the operator who knows A is gone takes it over.
    const b = await startSupervisor(hostB, withKey, join(await tempDir(), "b.log"), ["--takeover"]);
    await waitForSocket(hostB);
    await waitFor("host B serving three apps", () => appsRunning(hostB, 3), 120_000);
    await allAnswering();

    expect(await count(ports.blog, "/notes")).toBe(5);
    expect(await count(ports.shop, "/notes")).toBe(3);
    expect(await count(ports.gen, "/rows")).toBe(4);
    expect((await httpGet(ports.blog, "/media/photo.jpg")).body).toBe(photo);
    expect((await httpGet(ports.blog, "/")).body).toBe("ok v2");
    const recovered = Object.fromEntries(
      (await status(hostB)).apps.map((app) => [app.name, app.release?.split("-")[1]]),
    );
    expect(recovered).toEqual(
      Object.fromEntries(Object.entries(live).map(([name, release]) => [name, release?.split("-")[1]])),
    );
    expect((await runCli(hostB, ["env", "list", "blog", "--values"])).stdout).toBe(envA);
    expect(await b.stop("SIGTERM")).toBe(0);
  }, 180_000); // two hosts boot three apps each: about 57 s on a loaded 2-core machine, too close to the 60 s default
});
