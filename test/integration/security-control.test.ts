import { request } from "node:http";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import {
  hostStatus,
  killAllSupervisors,
  startSupervisor,
  waitForSocket,
  type RunningSupervisor,
} from "../helpers/supervisor.js";

let home: string;
let outside: string;
let supervisor: RunningSupervisor;

interface Answer {
  status: number;
  body: string;
}

/** A raw request on run/hostctl.sock: the path goes out exactly as written (no client-side encoding). */
function rawRequest(
  path: string,
  options: { body?: Buffer; chunks?: number; contentLength?: number; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.contentLength !== undefined) headers["content-length"] = options.contentLength;
    const req = request({ socketPath: join(home, "run", "hostctl.sock"), method: "POST", path, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on("error", reject);
    if (options.chunks === undefined) {
      req.end(options.body);
      return;
    }
    // Streams `chunks` MiB, as fast as the socket takes them, until the server answers or closes.
    const mib = Buffer.alloc(1024 * 1024, 0x61);
    let sent = 0;
    let answered = false;
    req.on("response", () => (answered = true));
    const pump = (): void => {
      while (!answered && sent < (options.chunks ?? 0)) {
        sent += 1;
        if (!req.write(mib)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function rssKib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

beforeAll(async () => {
  const root = await tempDir();
  home = join(root, "home");
  outside = join(root, "outside");
  const init = await runCli(home, ["init", "--replica-url", `file://${join(root, "replica")}`]);
  expect(init.exitCode, init.stderr).toBe(0);
  // The victim: an app.yml outside HOME, where ../../outside/victimapp from HOME/apps points.
  await mkdir(join(outside, "victimapp"), { recursive: true });
  await writeFile(join(outside, "victimapp", "app.yml"), "name: victimapp\nrepo: /srv/x.git\nport: 8123\n");
  supervisor = await startSupervisor(home);
  await waitForSocket(home);
}, 60_000);

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("the control socket refuses what a client must not do", () => {
  it("a malformed percent-encoding is answered 400 and the supervisor keeps running", async () => {
    const answer = await rawRequest("/apps/%E0%A4%A/stop");
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("malformed percent-encoding");
    expect((await hostStatus(home)).supervisor.pid).toBe(supervisor.child.pid);
  });

  it("an encoded ../ in an app name is answered 400 and nothing outside HOME is loaded", async () => {
    const answer = await rawRequest("/apps/..%2F..%2Foutside%2Fvictimapp/load");
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("expected a lowercase letter");
    expect((await hostStatus(home)).apps).toEqual([]);
  });

  it("a body that is not JSON is answered 400", async () => {
    const answer = await rawRequest("/apps/blog/activate", { body: Buffer.from("{not json") });
    expect(answer.status).toBe(400);
  });

  it("headers over 16 KiB are answered 431 and the supervisor keeps running", async () => {
    const answer = await rawRequest("/apps/blog/stop", { headers: { "x-big": "a".repeat(32 * 1024) } });
    expect(answer.status).toBe(431);
    expect((await hostStatus(home)).supervisor.pid).toBe(supervisor.child.pid);
  });

  it("a declared 300 MB body is answered 413 before it is read", async () => {
    const answer = await rawRequest("/apps/blog/activate", { contentLength: 300 * 1024 * 1024, chunks: 300 });
    expect(answer.status).toBe(413);
  });

  it("a streamed 300 MB body is answered 413 and the supervisor's memory does not grow", async () => {
    const pid = supervisor.child.pid ?? 0;
    const before = await rssKib(pid);
    const answer = await rawRequest("/apps/blog/activate", { chunks: 300 });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain("request body larger than");
    // Before the fix the supervisor buffered the whole body: RSS grew by ~900 MB and stayed there.
    expect((await rssKib(pid)) - before).toBeLessThan(64 * 1024);
    expect((await hostStatus(home)).supervisor.pid).toBe(pid);
  }, 60_000);
});
