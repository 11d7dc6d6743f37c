import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../../../src/lib/net.js";

describe("freePort", () => {
  it("never hands out one port twice in a process, and each can be listened on", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(ports[299], "127.0.0.1", resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
