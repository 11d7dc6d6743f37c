import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { FIXTURES, addGenericApp } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import {
  hostStatus,
  killAllSupervisors,
  startSupervisor,
  waitForSocket,
  type RunningSupervisor,
} from "../helpers/supervisor.js";
import { caddyRoot, frontRequest, initWithFrontDoor } from "../helpers/front-door.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

interface ShopStatus {
  apps: { name: string; release?: string; exposed?: string }[];
}

async function setRequireLoopback(home: string, value: boolean): Promise<void> {
  const file = join(home, "hostctl.yml");
  const doc = parseDocument(await readFile(file, "utf8"));
  doc.setIn(["proxy", "require_loopback"], value);
  await writeFile(file, doc.toString());
}

describe("a web process listening beyond loopback (real Caddy)", () => {
  let home: string;
  let https: number;
  let repo: TestRepo;
  let ca: string;
  let sup: RunningSupervisor;
  const shop = (path: string) => frontRequest({ host: "shop.test", port: https, ca, path });
  const release = async () => (await hostStatus<ShopStatus>(home)).apps.find((a) => a.name === "shop");
  const up = async () => {
    sup = await startSupervisor(home);
    await waitForSocket(home);
    ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined));
    await waitFor("shop served", async () => (await shop("/").catch(() => undefined))?.status === 200, 90_000);
  };

  beforeAll(async () => {
    home = join(await tempDir(), "home");
    const { init, https: port } = await initWithFrontDoor(home, [
      "--replica-url",
      `file://${await tempDir("replica")}`,
    ]);
    expect(init.exitCode, init.stderr).toBe(0);
    https = port;
    await setRequireLoopback(home, true);
    repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const add = await addGenericApp(home, "shop", repo.dir, ["--domain", "shop.test"]);
    expect(add.exitCode, add.stderr).toBe(0);
    await up();
  }, 150_000);

  it("require_loopback refuses the release and the old one keeps serving; without it, a warning in deploy and doctor", async () => {
    const before = (await release())?.release;
    expect(before).toBeDefined();
    // The Heroku-style bind: every interface on the internal port.
    const server = (await readFile(join(repo.dir, "server.py"), "utf8")).replaceAll("127.0.0.1", "0.0.0.0");
    expect(server).toContain('"0.0.0.0", PORT');
    await repo.commit("bind every interface", { "server.py": server });

    const refused = await runCli(home, ["deploy", "shop"], { timeoutMs: 120_000 });
    expect(refused.exitCode, refused.stdout).toBe(1);
    expect(refused.stderr).toMatch(/listens on 0\.0\.0\.0:\d+/);
    expect(refused.stderr).toContain("proxy.require_loopback");
    expect(refused.stderr).toContain("was refused");
    expect((await release())?.release).toBe(before);
    expect((await shop("/")).body).toBe("generic ok");

    await sup.stop();
    await setRequireLoopback(home, false);
    await up();
    const deployed = await runCli(home, ["deploy", "shop"], { timeoutMs: 120_000 });
    expect(deployed.exitCode, deployed.stderr).toBe(0);
    expect(deployed.stdout + deployed.stderr).toMatch(/warning: the web process listens on 0\.0\.0\.0:\d+/);
    const after = await release();
    expect(after?.release).not.toBe(before);
    expect(after?.exposed).toMatch(/0\.0\.0\.0:\d+/);
    expect((await shop("/")).body).toBe("generic ok");

    const doctor = await runCli(home, ["doctor"], { timeoutMs: 60_000 });
    expect(doctor.stdout).toMatch(
      /web of shop on loopback only\s+ok\s+warning: the web process listens on 0\.0\.0\.0:\d+/,
    );
  }, 400_000);
});
