import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { proxySchema } from "../../src/config/proxy-schema.js";
import { buildCaddyConfig } from "../../src/proxy/caddy-config.js";
import { caddyAnswers, loadCaddyConfig } from "../../src/proxy/caddy-admin.js";
import { ensureListenerHandover } from "../../src/proxy/listener-handover.js";
import { freePort } from "../helpers/apps.js";
import { frontRequest } from "../helpers/front-door.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { caddyBinary } from "../helpers/tools.js";
import { waitFor } from "../helpers/wait.js";

const RELOADS = 40;
const CLIENTS = 6;

let caddy: ChildProcess | undefined;
const upstreams: Server[] = [];

afterAll(async () => {
  caddy?.kill("SIGKILL");
  await Promise.all(upstreams.map((s) => new Promise((resolve) => s.close(resolve))));
  await cleanupTempDirs();
});

async function upstream(): Promise<number> {
  const port = await freePort();
  const server = createServer((_req, res) => res.end(String(port)));
  upstreams.push(server);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return port;
}

describe("Caddy's config loads under load (an app added or removed, stopped or started, a domain)", () => {
  it("reset no connection once the listener handover is on: every request of clients opening a connection each time answers", async () => {
    expect(["on", "turned_on"]).toContain((await ensureListenerHandover()).state);
    const dir = await tempDir("caddy-reload");
    const socket = join(dir, "admin.sock");
    const [blue, green, port] = [await upstream(), await upstream(), await freePort()];
    const proxy = proxySchema.parse({
      tls: "off",
      http_port: await freePort(),
      https_port: await freePort(),
      bind: "127.0.0.1",
    });
    const config = (live: number) =>
      buildCaddyConfig({
        proxy,
        adminSocket: socket,
        storageDir: join(dir, "storage"),
        legacyBuffers: true,
        apps: [
          {
            name: "site",
            domains: [],
            port,
            upstream: `127.0.0.1:${live}`,
            staticDir: undefined,
            mediaDir: join(dir, "media"),
          },
        ],
      });
    await mkdir(join(dir, "storage"), { recursive: true });
    await writeFile(join(dir, "config.json"), JSON.stringify(config(blue)));
    caddy = spawn(caddyBinary(), ["run", "--config", join(dir, "config.json")], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
      stdio: "ignore",
    });
    await waitFor("Caddy's admin socket", () => caddyAnswers(socket));
    await waitFor(
      "the site through Caddy",
      async () => (await frontRequest({ host: "site", port, path: "/" }).catch(() => undefined))?.status === 200,
    );

    const failures: string[] = [];
    const servedBy = new Set<string>();
    let requests = 0;
    let running = true;
    const client = async () => {
      while (running && requests < 200_000) {
        requests += 1;
        try {
          const answer = await frontRequest({ host: "site", port, path: "/", timeoutMs: 10_000 });
          if (answer.status === 200) servedBy.add(answer.body);
          else failures.push(`status ${answer.status}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    try {
      for (let i = 1; i <= RELOADS; i++) {
        await loadCaddyConfig(socket, config(i % 2 === 1 ? green : blue));
        // Let new connections arrive on the listeners of this config before the next load replaces them.
        const mark = requests;
        await waitFor("requests after the load", () => requests >= mark + CLIENTS * 3, 10_000, 10);
      }
    } finally {
      running = false;
      await Promise.all(clients);
    }
    expect(
      failures.length,
      `${failures.length} of ${requests} requests failed: ${failures.slice(0, 3).join("; ")}`,
    ).toBe(0);
    expect(servedBy).toEqual(new Set([String(blue), String(green)]));
    expect(requests).toBeGreaterThan(RELOADS * CLIENTS);
  }, 120_000);
});
