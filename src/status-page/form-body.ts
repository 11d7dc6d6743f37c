import type { IncomingMessage } from "node:http";

/** A login form is a few dozen bytes; anything bigger is refused unread. */
export const MAX_FORM_BYTES = 4096;

/** Undefined when the body exceeds MAX_FORM_BYTES or does not end within 10 s. */
export function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => done(undefined), 10_000);
    const done = (value: URLSearchParams | undefined) => {
      clearTimeout(timer);
      req.removeAllListeners("data");
      if (value === undefined) req.resume();
      resolve(value);
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) done(undefined);
      else chunks.push(chunk);
    });
    req.on("end", () => done(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", () => done(undefined));
  });
}
