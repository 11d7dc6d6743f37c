import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { storedCertificates } from "../../src/proxy/stored-certificates.js";
import { FIXTURES, addGenericApp } from "../helpers/apps.js";
import { runCli } from "../helpers/cli.js";
import { caddyRoot, frontRequest, initWithFrontDoor } from "../helpers/front-door.js";
import { gitRepo } from "../helpers/git.js";
import { hostStatus, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";
import { selfSignedPair } from "../helpers/certificates.js";

const DOMAIN = "crossed.test";

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

const pair = (dir: string, name: string) => selfSignedPair(dir, name, DOMAIN);

describe("a certificate Caddy stored beside another one's key", () => {
  it("is replaced by a new one from Caddy's CA, at start, while running and when Caddy restarts, and the front door keeps loading configs", async () => {
    const home = join(await tempDir(), "home");
    const { init, https } = await initWithFrontDoor(home, ["--replica-url", `file://${await tempDir("replica")}`]);
    expect(init.exitCode, init.stderr).toBe(0);
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    const add = await addGenericApp(home, "crossed", repo.dir, ["--domain", DOMAIN]);
    expect(add.exitCode, add.stderr).toBe(0);

    // What two issuances racing past Caddy 2.6's storage lock leave: one's certificate beside the other's key.
    // Caddy refuses every config that manages the domain from then on.
    const storage = join(home, "caddy");
    const folder = join(storage, "certificates", "local", DOMAIN);
    const pairs = await tempDir("pairs");
    const [a, b] = [await pair(pairs, "a"), await pair(pairs, "b")];
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${DOMAIN}.crt`), a.crt);
    await writeFile(join(folder, `${DOMAIN}.key`), b.key);
    await writeFile(join(folder, `${DOMAIN}.json`), JSON.stringify({ sans: [DOMAIN] }));

    const certificateCheck = async () => {
      const doctor = await runCli(home, ["doctor", "--json"]);
      const checks = (JSON.parse(doctor.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks;
      return checks.find((c) => c.name === `certificate ${DOMAIN}`);
    };
    expect(await certificateCheck()).toMatchObject({
      ok: false,
      detail: expect.stringContaining("holds a key that is not") as string,
    });

    const sup = await startSupervisor(home);
    await waitForSocket(home);
    const ca = await waitFor("Caddy's local CA", async () => await caddyRoot(home).catch(() => undefined));
    // Verified against Caddy's root: the self-signed pair above could not pass.
    await waitFor(
      "the app over HTTPS",
      async () =>
        (await frontRequest({ host: DOMAIN, port: https, path: "/", ca }).catch(() => undefined))?.status === 200,
      90_000,
    );
    expect(await storedCertificates(storage, [DOMAIN])).toHaveLength(1);
    expect(await sup.log()).toContain('"event":"proxy.certificate_discarded"');
    expect(await certificateCheck()).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^valid until 20\d\d-/) as string,
    });

    // The same while Caddy runs: the next config (the app stopped: 503) is refused once, then loaded.
    await writeFile(join(folder, `${DOMAIN}.key`), b.key);
    expect(await storedCertificates(storage, [DOMAIN])).toEqual([]);
    expect((await runCli(home, ["stop", "crossed"])).exitCode).toBe(0);
    const stopped = await waitFor(
      "the stopped app's 503",
      async () => {
        const answer = await frontRequest({ host: DOMAIN, port: https, path: "/", ca }).catch(() => undefined);
        // Before the config naming it stopped is loaded, the relay finds its port refused: "is starting".
        return answer?.status === 503 && answer.body.includes("crossed is stopped") ? answer : undefined;
      },
      60_000,
    );
    expect(stopped.body).toContain("crossed is stopped");
    await waitFor(
      "a new certificate and key in storage",
      async () => (await storedCertificates(storage, [DOMAIN])).length === 1,
      30_000,
    );
    const log = await sup.log();
    expect(log.match(/"event":"proxy.certificate_discarded"/g)).toHaveLength(2);
    expect(log).not.toContain('"event":"proxy.load_failed"');

    // And when Caddy dies while a crossed pair is stored: its restart starts from the saved config, which
    // names that pair, and Caddy would refuse it on every restart; the pair goes first.
    const proxyPid = async () => (await hostStatus<{ proxy: { state: string; pid?: number } }>(home)).proxy;
    const before = await proxyPid();
    expect(before.state).toBe("running");
    await writeFile(join(folder, `${DOMAIN}.key`), b.key);
    process.kill(before.pid as number, "SIGKILL");
    await waitFor(
      "a restarted Caddy serving the 503 with a new certificate",
      async () => {
        const now = await proxyPid();
        if (now.pid === undefined || now.pid === before.pid) return false;
        return (
          (await frontRequest({ host: DOMAIN, port: https, path: "/", ca }).catch(() => undefined))?.status === 503
        );
      },
      60_000,
    );
    expect(await storedCertificates(storage, [DOMAIN])).toHaveLength(1);
    expect((await sup.log()).match(/"event":"proxy.certificate_discarded"/g)).toHaveLength(3);
    expect(await sup.stop()).toBe(0);
  }, 240_000);
});
