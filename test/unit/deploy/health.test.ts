import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { waitHealthy } from "../../../src/deploy/health.js";
import { freePort } from "../../helpers/apps.js";

let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

function serve(port: number, answer: (req: IncomingMessage) => number): Promise<void> {
  server = createServer((req, res) => {
    res.statusCode = answer(req);
    res.end();
  });
  return new Promise((resolve) => server?.listen(port, "127.0.0.1", resolve));
}

describe("waitHealthy", () => {
  it("waits through connection refused until the server answers 2xx, sending the Host header", async () => {
    const port = await freePort();
    let host: string | undefined;
    setTimeout(() => void serve(port, (req) => ((host = req.headers.host), 200)), 300);
    const result = await waitHealthy({
      port,
      path: "/health",
      host: "blog.example.com",
      timeoutMs: 5000,
      intervalMs: 50,
    });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ms).toBeGreaterThanOrEqual(250);
    expect(host).toBe("blog.example.com");
  });

  it("accepts a redirect", async () => {
    const port = await freePort();
    await serve(port, () => 302);
    expect(await waitHealthy({ port, path: "/", host: "localhost", timeoutMs: 1000 })).toMatchObject({
      ok: true,
      status: 302,
    });
  });

  it("reports the last status when the timeout passes", async () => {
    const port = await freePort();
    await serve(port, () => 500);
    const result = await waitHealthy({ port, path: "/health", host: "localhost", timeoutMs: 400, intervalMs: 50 });
    expect(result).toMatchObject({ ok: false, status: 500, error: "GET /health (Host: localhost) answered 500" });
  });

  it("stops at once when the signal aborts (the process under test exited)", async () => {
    const port = await freePort();
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("the web process exited (code 3) before it answered")), 100);
    const result = await waitHealthy({
      port,
      path: "/",
      host: "localhost",
      timeoutMs: 10_000,
      intervalMs: 20,
      signal: abort.signal,
    });
    expect(result.ok).toBe(false);
    expect(result.error).toBe("the web process exited (code 3) before it answered");
    expect(result.ms).toBeLessThan(2000);
  });
});
