import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/lib/log.js";

describe("logger", () => {
  it("redacts credentials and app environments wherever they sit", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger("info", sink);
    log.info({
      event: "x",
      credentials: { accessKeyId: "AKIA1", secretAccessKey: "sk-123" },
      child: { env: { DJANGO_SECRET_KEY: "dj-456" } },
    });
    log.info({ event: "y", s3: { secretAccessKey: "sk-789" }, vars: { AWS_SECRET_ACCESS_KEY: "sk-000" } });
    const text = lines.join("");
    for (const secret of ["AKIA1", "sk-123", "dj-456", "sk-789", "sk-000"]) expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });
});
