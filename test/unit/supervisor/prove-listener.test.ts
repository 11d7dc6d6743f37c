import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { proveListener } from "../../../src/supervisor/prove-listener.js";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function listen(): Promise<number> {
  server = createServer();
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("proveListener", () => {
  it("names the stray when the web process died binding the port it holds", async () => {
    const port = await listen();
    await expect(proveListener(port, undefined)).rejects.toThrow(
      `port ${port} is held by pid ${process.pid}, not by the web process the supervisor started (which is not running)`,
    );
  });

  it("names the stray beside a running web process of another group", async () => {
    const port = await listen();
    await expect(proveListener(port, 999_999)).rejects.toThrow(`port ${port} is held by pid ${process.pid}`);
  });

  it("says the web process is not running when nothing listens", async () => {
    const port = await listen();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    await expect(proveListener(port, undefined)).rejects.toThrow(
      `port ${port} answered, but the release's web process is not running`,
    );
  });
});
