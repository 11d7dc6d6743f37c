import { createServer } from "node:net";

/** Ports this process has handed out: two callers setting up one host never get the same one. */
const handedOut = new Set<number>();

/**
 * A TCP port on 127.0.0.1 that nothing listened on a moment ago and that this process has not
 * handed out before (the demo, benches and tests pick ports with it; the kernel may offer a port
 * again once it is closed).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await unusedPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
    server.on("error", reject);
  });
}
