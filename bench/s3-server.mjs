// A loopback S3 (fauxqs) in a process of its own, as S3 is off the host in production: a bench that runs
// hostctl's side in-process (the drill) must not have that side share an event loop with the server that
// feeds Litestream its restore. Usage: node bench/s3-server.mjs BUCKET...; prints {"port": N} once it
// listens, and stops when its stdin closes (the bench that started it exited) or on SIGTERM.
import { startFauxqs } from "fauxqs";

const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
for (const bucket of process.argv.slice(2)) server.createBucket(bucket);
const stop = () => server.stop().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
