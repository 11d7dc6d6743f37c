import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago (the demo, benches and tests pick ports with it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
    server.on("error", reject);
  });
}
