import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchMetricsText, markUnsynced } from "../../../src/litestream/scrape.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(status: number, body: string): Promise<number> {
  const server = createServer((_req, res) => res.writeHead(status).end(body));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("fetchMetricsText", () => {
  it("returns the body of a 200", async () => {
    const port = await serve(200, 'litestream_sync_count{db="/a.db"} 3\n');
    await expect(fetchMetricsText(port, 2000)).resolves.toBe('litestream_sync_count{db="/a.db"} 3\n');
  });

  it("rejects an answer outside 2xx, naming the port and status", async () => {
    const port = await serve(503, "busy");
    await expect(fetchMetricsText(port, 2000)).rejects.toThrow(`litestream metrics on 127.0.0.1:${port}: HTTP 503`);
  });

  it("gives up on a port that accepts and never answers within the timeout", async () => {
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await expect(fetchMetricsText(port, 100)).rejects.toThrow(/timeout|aborted/i);
  });

  it("rejects when nothing listens", async () => {
    const port = await serve(200, "");
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await expect(fetchMetricsText(port, 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("markUnsynced", () => {
  it("marks an existing database with no sync yet, not a missing one nor a synced one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "unsynced-"));
    try {
      await writeFile(join(dir, "a.sqlite3"), "");
      const db = (name: string, syncs: number) => ({
        db: join(dir, name),
        shadow: { index: 0, offset: 0 },
        replicas: {},
        syncs,
      });
      const marked = await markUnsynced([db("a.sqlite3", 0), db("a.sqlite3", 3), db("missing.sqlite3", 0)]);
      expect(marked.map((d) => d.unsynced ?? false)).toEqual([true, false, false]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
