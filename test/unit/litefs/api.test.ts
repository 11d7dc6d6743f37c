import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitForLitefsReady } from "../../../src/litefs/api.js";

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A LiteFS API stand-in on loopback: GET /info answers with what `answer` returns for the nth request. */
async function api(answer: (n: number) => { status: number; body?: unknown }): Promise<string> {
  let n = 0;
  server = createServer((_req, res) => {
    const { status, body } = answer(++n);
    res.writeHead(status, { "Content-Type": "application/json" }).end(body === undefined ? "" : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const replicaAlone = { isPrimary: false, candidate: false, primary: { hostname: "" } };

describe("waitForLitefsReady", () => {
  it("is ready once the node is connected to a primary", async () => {
    const url = await api((n) => ({
      status: 200,
      body: n < 3 ? replicaAlone : { ...replicaAlone, primary: { hostname: "node-1" } },
    }));
    expect(await waitForLitefsReady(url, 10_000, 10)).toEqual({
      ready: true,
      info: { isPrimary: false, candidate: false, primary: "node-1" },
    });
  });

  it("keeps the last answer when the polls at the end go unanswered, so the reason is not 'does not answer'", async () => {
    const url = await api((n) => (n <= 2 ? { status: 200, body: replicaAlone } : { status: 503 }));
    expect(await waitForLitefsReady(url, 300, 10)).toEqual({
      ready: false,
      last: { isPrimary: false, candidate: false, primary: "" },
    });
  });

  it("has no answer to give when LiteFS never answered", async () => {
    const url = await api(() => ({ status: 503 }));
    expect(await waitForLitefsReady(url, 100, 10)).toEqual({ ready: false, last: undefined });
  });
});
