import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, newBucket } from "../helpers/s3.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addDjangoApp, freePort, httpGet, httpPost } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import {
  hostStatus,
  killAllSupervisors,
  type RunningSupervisor,
  startSupervisor,
  waitForSocket,
} from "../helpers/supervisor.js";
import { addLitefsSection, initWithPlainFrontDoor, mountsUnder, unmountAll } from "../helpers/litefs.js";

const env = TEST_CREDENTIALS;
let root: string;
let repo: TestRepo;
let s3: Awaited<ReturnType<typeof newBucket>>;

interface Node {
  name: string;
  home: string;
  port: number;
  litefsPort: number;
}

async function newNode(name: string, role: "candidate" | "replica", primary?: Node): Promise<Node> {
  const home = join(root, name);
  await initWithPlainFrontDoor(
    home,
    ["--replica-url", `s3://${s3.bucket}/django`, "--s3-endpoint", s3.endpoint, "--s3-force-path-style"],
    env,
  );
  const litefsPort = await freePort();
  await addLitefsSection(home, {
    node: name,
    role,
    portBase: litefsPort,
    ...(primary
      ? { primary: { node: primary.name, portBase: primary.litefsPort, frontDoor: `http://127.0.0.1:${primary.port}` } }
      : {}),
  });
  const port = await freePort();
  const added = await addDjangoApp(home, "blog", repo.dir, port, ["--replication", "litefs"]);
  expect(added.exitCode, added.stderr).toBe(0);
  return { name, home, port, litefsPort };
}

async function startServing(node: Node, version: string): Promise<RunningSupervisor> {
  const sup = await startSupervisor(node.home, env, join(node.home, `up-${Date.now()}.log`));
  await waitForSocket(node.home);
  await waitFor(
    `${node.name} serving ${version}`,
    async () =>
      (await hostStatus(node.home)).apps[0]?.state === "running" &&
      (await httpGet(node.port, "/")).body === `ok ${version}`,
    120_000,
  );
  return sup;
}

async function notes(port: number): Promise<number> {
  return (JSON.parse((await httpGet(port, "/notes")).body) as { count: number }).count;
}

function releaseStep(stdout: string): string {
  const result = JSON.parse(stdout) as { steps: { name: string; detail?: string }[] };
  return result.steps.find((s) => s.name === "release")?.detail ?? "";
}

beforeAll(async () => {
  s3 = await newBucket();
  root = await tempDir("litefs-django");
  repo = await gitRepo({ fixture: join(FIXTURES, "django-app") });
});

afterAll(async () => {
  await killAllSupervisors();
  await unmountAll(root);
  await cleanupTempDirs();
});

describe("LiteFS with a Django site (gunicorn) on a primary and a replica", () => {
  it("deploys on both, migrates on the primary only, and a form POST to the replica's front door lands on the primary", async () => {
    const primary = await newNode("dj-1", "candidate");
    const replica = await newNode("dj-2", "replica", primary);
    const first = await startServing(primary, "v1");
    const second = await startServing(replica, "v1");

    const posted = await httpPost(replica.port, "/notes", "body=posted+to+the+replica");
    expect(posted.status, posted.body).toBe(201);
    expect(await notes(primary.port)).toBe(1);
    await waitFor("the note on the replica", async () => (await notes(replica.port)) === 1, 1000, 20);

    // A new release: the primary's release phase migrates, the replica has none (static files are collected at build).
    await repo.commit("v2", { "site_app/version.py": 'VERSION = "v2"\n' });
    const onPrimary = await runCli(primary.home, ["deploy", "blog", "--json"], { env, timeoutMs: 180_000 });
    expect(onPrimary.exitCode, onPrimary.stderr).toBe(0);
    expect(releaseStep(onPrimary.stdout)).toContain("migrate");
    const onReplica = await runCli(replica.home, ["deploy", "blog", "--json"], { env, timeoutMs: 180_000 });
    expect(onReplica.exitCode, onReplica.stderr).toBe(0);
    expect(releaseStep(onReplica.stdout)).toBe("no release phase");
    expect((await httpGet(replica.port, "/")).body).toBe("ok v2");
    expect(await notes(replica.port)).toBe(1);

    expect(await second.stop("SIGTERM")).toBe(0);
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(await mountsUnder(root)).toEqual([]);
  }, 400_000);
});
