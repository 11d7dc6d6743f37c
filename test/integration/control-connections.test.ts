import { mkdir } from "node:fs/promises";
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import type { Server } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { hostPaths, type HostPaths } from "../../src/config/paths.js";
import { controlRequest } from "../../src/supervisor/control-client.js";
import { ControlRoutes, listenControl, type ControlLimits } from "../../src/supervisor/control-server.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

afterAll(cleanupTempDirs);

const LIMITS: ControlLimits = {
  headersTimeout: 500,
  requestTimeout: 1000,
  connectionsCheckingInterval: 100,
  connections: 4,
};
const servers: (Server | NetServer)[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  clients.splice(0).forEach((s) => s.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function paths(): Promise<HostPaths> {
  const p = hostPaths(await tempDir("control"));
  await mkdir(join(p.home, "run"), { recursive: true });
  return p;
}

async function serve(p: HostPaths, routes: ControlRoutes, limits = LIMITS): Promise<void> {
  servers.push(await listenControl(p.socket, routes, limits));
}

/** A client that sends its headers, then one byte of its 1000-byte body every 200 ms; `closed` once cut off. */
function slowBody(socketPath: string): { closed: Promise<string>; isClosed: () => boolean } {
  const socket = connect(socketPath);
  clients.push(socket);
  let received = "";
  let isClosed = false;
  socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
  socket.on("error", () => undefined);
  socket.once("connect", () => {
    socket.write("POST /apps/x/work HTTP/1.1\r\nHost: hostctl\r\nContent-Length: 1000\r\n\r\n");
    const drip = setInterval(() => (socket.writable ? socket.write("a") : clearInterval(drip)), 200);
    socket.once("close", () => clearInterval(drip));
  });
  const closed = new Promise<string>((resolve) =>
    socket.once("close", () => {
      isClosed = true;
      resolve(received);
    }),
  );
  return { closed, isClosed: () => isClosed };
}

const statusRoute = () => new ControlRoutes().add("GET /status", () => Promise.resolve({ body: { ok: true } }));

describe("the control server's connections", () => {
  it("cuts off a body that trickles in past the request deadline (408), not after the client's 200 s", async () => {
    const p = await paths();
    await serve(
      p,
      statusRoute().add("POST /apps/:name/work", () => Promise.resolve({ body: {} })),
    );
    const started = Date.now();
    const answer = await slowBody(p.socket).closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(LIMITS.requestTimeout - 50);
    expect(Date.now() - started).toBeLessThan(LIMITS.requestTimeout + 2000);
    // The 408 is written before the close; a byte the client sent meanwhile can make the kernel reset the
    // connection first (a Unix socket closed with unread data), so its absence is not a failure.
    if (answer !== "") expect(answer).toContain("408 Request Timeout");
  });

  it("lets a handler slower than the request deadline answer: the deadline is for receiving the request", async () => {
    const p = await paths();
    const slow = () =>
      new Promise<{ body: unknown }>((resolve) =>
        setTimeout(() => resolve({ body: { done: true } }), 2 * LIMITS.requestTimeout),
      );
    await serve(p, statusRoute().add("POST /apps/:name/restart", slow));
    expect(await controlRequest(p, "POST", "/apps/x/restart", {})).toEqual({ status: 200, body: { done: true } });
  });

  it("past the cap closes the oldest slow connection, so a prompt request is answered", async () => {
    const p = await paths();
    await serve(
      p,
      statusRoute().add("POST /apps/:name/work", () => Promise.resolve({ body: {} })),
    );
    const flood = Array.from({ length: 3 * LIMITS.connections }, () => slowBody(p.socket));
    await waitFor(
      "all but the cap cut off",
      () => flood.filter((f) => f.isClosed()).length === 2 * LIMITS.connections || undefined,
    );
    expect(await controlRequest(p, "GET", "/status")).toEqual({ status: 200, body: { ok: true } });
  });

  it("answers 503 SUPERVISOR_BUSY when every held connection is being served, and the client says supervisor busy", async () => {
    const p = await paths();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    const restart = async () => {
      entered += 1;
      await held;
      return { body: {} };
    };
    await serve(p, statusRoute().add("POST /apps/:name/restart", restart));
    const inFlight = Array.from({ length: LIMITS.connections }, () => controlRequest(p, "POST", "/apps/x/restart", {}));
    try {
      await waitFor("every held connection served", () => entered === LIMITS.connections || undefined);
      const busy = await controlRequest(p, "GET", "/status").catch((error: unknown) => error);
      expect(busy).toMatchObject({ code: "SUPERVISOR_BUSY" });
      expect(String(busy)).toContain("supervisor busy");
    } finally {
      release();
    }
    expect((await Promise.all(inFlight)).every((a) => a?.status === 200)).toBe(true);
    expect(await controlRequest(p, "GET", "/status")).toEqual({ status: 200, body: { ok: true } });
  });

  it("a supervisor that closes the connection unanswered reads as busy, not as not running", async () => {
    const p = await paths();
    const closer = createNetServer((socket) => socket.destroy());
    servers.push(closer);
    await new Promise<void>((resolve) => closer.listen(p.socket, resolve));
    const error = await controlRequest(p, "GET", "/status").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "SUPERVISOR_BUSY" });
  });
});
