import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { FIXTURES, freePort } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";
import { killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";
import type { SupervisorStatus } from "../../src/supervisor/main.js";
import type { RegistryEntry } from "../../src/registry/mirror.js";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

const entries = async (replica: string) => (await readdir(join(replica, "_hostctl", "registry")).catch(() => [] as string[])).sort();

describe("the app registry in the replica target", () => {
  it("a new host that has not recovered its apps yet adds to the registry and never erases the other apps' entries", async () => {
    const replica = join(await tempDir(), "replica");
    const hostA = join(await tempDir(), "host-a");
    expect((await runCli(hostA, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    for (const [name, port] of [["blog", "8001"], ["shop", "8002"]] as const) {
      expect((await runCli(hostA, ["app", "add", name, "--repo", "/srv/x.git", "--port", port, "--db", "db.sqlite3"])).exitCode).toBe(0);
    }
    expect(await entries(replica)).toEqual(["blog.json", "shop.json"]);

    // A fresh host with the same replica, before its first `up`: every registry-changing command mirrors.
    const hostB = join(await tempDir(), "host-b");
    expect((await runCli(hostB, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    expect((await runCli(hostB, ["app", "add", "wiki", "--kind", "generic", "--repo", "/srv/w.git", "--port", "8003"])).exitCode).toBe(0);
    expect((await runCli(hostB, ["env", "set", "wiki", "A=1"])).exitCode).toBe(0);
    expect(await entries(replica)).toEqual(["blog.json", "shop.json", "wiki.json"]);

    // `app remove` deletes exactly the removed app's entry.
    expect((await runCli(hostB, ["app", "remove", "wiki"])).exitCode).toBe(0);
    expect(await entries(replica)).toEqual(["blog.json", "shop.json"]);
    expect((await runCli(hostA, ["app", "remove", "shop"])).exitCode).toBe(0);
    expect(await entries(replica)).toEqual(["blog.json"]);
  });

  it("a host that recovered an app without the env private key keeps the encrypted env and the live commit in the registry", async () => {
    const replica = join(await tempDir(), "replica");
    const entryFile = join(replica, "_hostctl", "registry", "gen.json");
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const port = String(await freePort());
    const head = await repo.git("rev-parse", "HEAD");
    const hostA = join(await tempDir(), "host-a");
    expect((await runCli(hostA, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    const keys = JSON.parse((await runCli(hostA, ["keygen", "--json"])).stdout) as { public_key: string };
    const config = parseDocument(await readFile(join(hostA, "hostctl.yml"), "utf8"));
    config.setIn(["registry", "env_public_key"], keys.public_key);
    await writeFile(join(hostA, "hostctl.yml"), config.toString());
    expect((await runCli(hostA, ["app", "add", "gen", "--kind", "generic", "--repo", repo.dir, "--port", port])).exitCode).toBe(0);
    expect((await runCli(hostA, ["env", "set", "gen", "SECRET=s3cr3t"])).exitCode).toBe(0);
    expect((await runCli(hostA, ["deploy", "gen"])).exitCode).toBe(0);
    const before = JSON.parse(await readFile(entryFile, "utf8")) as RegistryEntry;
    expect(before.env).toBeDefined();
    expect(before.live?.commit).toBe(head);

    // Host B comes up without HOSTCTL_ENV_KEY_FILE: gen is recovered with an empty env.
    const hostB = join(await tempDir(), "host-b");
    expect((await runCli(hostB, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
    const b = await startSupervisor(hostB, {}, join(await tempDir(), "b.log"), ["--takeover"]);
    await waitForSocket(hostB);
    await waitFor("gen running on host B", async () => (JSON.parse((await runCli(hostB, ["status", "--json"])).stdout) as SupervisorStatus).apps[0]?.state === "running", 60_000);
    // up copies the registry 5 s after it starts.
    await waitFor("host B's registry copy", async () => (JSON.parse(await readFile(entryFile, "utf8")) as RegistryEntry).updated_at !== before.updated_at, 20_000);
    const after = JSON.parse(await readFile(entryFile, "utf8")) as RegistryEntry;
    expect(after.env).toEqual(before.env);
    expect(after.env_keys).toEqual(["SECRET"]);
    expect(after.live?.commit).toBe(head);
    expect(await b.stop("SIGTERM")).toBe(0);
  }, 120_000);
});
