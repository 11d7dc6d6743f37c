import { describe, expect, it } from "vitest";
import { s3CallDeadlineMs } from "../../../src/s3/client.js";

describe("the S3 call deadline", () => {
  it("is 10 s unless HOSTCTL_S3_DEADLINE_MS names a positive whole number of milliseconds", () => {
    expect(s3CallDeadlineMs({})).toBe(10_000);
    expect(s3CallDeadlineMs({ HOSTCTL_S3_DEADLINE_MS: "2000" })).toBe(2000);
    for (const bad of ["", "0", "-5", "1.5", "2s"])
      expect(s3CallDeadlineMs({ HOSTCTL_S3_DEADLINE_MS: bad })).toBe(10_000);
  });
});
