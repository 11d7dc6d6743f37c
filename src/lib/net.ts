import { createServer } from "node:net";

/** Ports this process has handed out: two callers setting up one host never get the same one. */
const handedOut = new Set<number>();

// Not handed out before by this process: the kernel may offer a closed port again, and the
// demo, benches and tests each need a distinct one.
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
