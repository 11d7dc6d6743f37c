import type { IncomingMessage, ServerResponse } from "node:http";
import { usageError } from "../lib/errors.js";

/** Control requests carry a few fields of JSON; anything bigger is refused before buffering. */
export const MAX_CONTROL_BODY_BYTES = 64 * 1024;

/** The rest of a refused body is read and dropped this long, so the client sees the answer. */
const DRAIN_MS = 5_000;

function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  if (!res.headersSent) {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error, code: "USAGE" }));
  }
  // Read and dropped, never buffered; a client that keeps sending is cut off.
  req.resume();
  const cutOff = setTimeout(() => req.socket.destroy(), DRAIN_MS).unref();
  req.socket.once("close", () => clearTimeout(cutOff));
}

/** Answered 413 at once so the client never sends the body. */
export function declaresTooLarge(req: IncomingMessage, limit = MAX_CONTROL_BODY_BYTES): boolean {
  return Number(req.headers["content-length"] ?? 0) > limit;
}

// Undefined when the request was already answered (413 too large, 400 not JSON).
export function readLimitedBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit = MAX_CONTROL_BODY_BYTES,
): Promise<unknown> {
  const tooLarge = `request body larger than ${limit} bytes`;
  if (declaresTooLarge(req, limit)) {
    refuse(req, res, 413, tooLarge);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        chunks.length = 0;
        refuse(req, res, 413, tooLarge);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("error", reject);
    req.once("end", () => {
      if (size > limit) return;
      const text = Buffer.concat(chunks).toString();
      if (text === "") return resolve({});
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        reject(usageError("request body: expected JSON"));
      }
    });
  });
}
