import { createServer, request, type Server } from "node:http";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UpstreamRelay } from "../../src/proxy/upstream-relay.js";
import { freePort } from "../helpers/apps.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

const servers: Server[] = [];
const relays: UpstreamRelay[] = [];

afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await cleanupTempDirs();
});

/** A release: answers its own port, after `?ms=` milliseconds. */
async function release(port?: number): Promise<number> {
  const p = port ?? (await freePort());
  const server = createServer((req, res) => {
    const ms = Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms") ?? 0);
    setTimeout(() => res.end(String(p)), ms);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(p, "127.0.0.1", resolve));
  return p;
}

/** A request as Caddy sends it to the relay: over the app's socket, a connection of its own. */
function viaSocket(socketPath: string, path = "/"): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, agent: false, headers: { Connection: "close" } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

async function relayFor(app: string, holdMs = 5000): Promise<{ relay: UpstreamRelay; socket: string }> {
  const relay = new UpstreamRelay(join(await tempDir("relay"), "upstreams"), holdMs);
  relays.push(relay);
  return { relay, socket: await relay.socketFor(app) };
}

describe("an app's upstream relay", () => {
  it("sends connections arriving after a switch to the new port while one opened before finishes on the old", async () => {
    const [blue, green] = [await release(), await release()];
    const { relay, socket } = await relayFor("shop");
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
    relay.point("shop", blue);
    const slow = viaSocket(socket, "/?ms=800");
    await waitFor("the slow request in flight", () => relay.connectionsTo(blue) === 1);
    relay.point("shop", green);
    expect(await viaSocket(socket)).toBe(String(green));
    expect(relay.connectionsTo(blue)).toBe(1);
    expect(await slow).toBe(String(blue));
    await waitFor("the old port drained", () => relay.connectionsTo(blue) === 0);
    expect(relay.connectionsTo(green)).toBe(0);
  });

  it("holds a connection while the live port refuses, and relays it once the port accepts", async () => {
    const port = await freePort();
    const { relay, socket } = await relayFor("held");
    relay.point("held", port);
    const answer = viaSocket(socket);
    await waitFor("the connection held while the port refuses", () => relay.heldConnections() === 1, 5000, 10);
    await release(port);
    expect(await answer).toBe(String(port));
    expect(relay.heldConnections()).toBe(0);
  });

  it("stops listening for an app that was removed, and keeps the others", async () => {
    const port = await release();
    const { relay, socket } = await relayFor("kept");
    const removed = await relay.socketFor("removed");
    relay.point("kept", port);
    relay.retain(new Set(["kept"]));
    await waitFor("the removed app's socket gone", async () => !(await stat(removed).catch(() => undefined)));
    await expect(viaSocket(removed)).rejects.toThrow(/ENOENT|ECONNREFUSED/);
    expect(await viaSocket(socket)).toBe(String(port));
  });

  it("closes a connection no port accepted within the hold time", async () => {
    const { relay, socket } = await relayFor("gone", 300);
    relay.point("gone", await freePort());
    await expect(viaSocket(socket)).rejects.toThrow(/socket hang up|ECONNRESET/);
    await waitFor("no connection held", () => relay.heldConnections() === 0, 5000, 10);
  });
});
