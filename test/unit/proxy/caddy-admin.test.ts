import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { caddyAdmin } from "../../../src/proxy/caddy-admin.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

describe("caddyAdmin", () => {
  it("opens a connection per call: Caddy replaces its admin server on every load, so a kept-alive one can be cut under a request", async () => {
    const socket = join(await tempDir("admin"), "admin.sock");
    let connections = 0;
    const server = createServer((_req, res) => res.end("{}"));
    server.on("connection", () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      for (let i = 0; i < 3; i++) expect((await caddyAdmin(socket, "GET", "/config/")).status).toBe(200);
      expect(connections).toBe(3);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
