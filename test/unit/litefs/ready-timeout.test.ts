import { describe, expect, it } from "vitest";
import { litefsReadyTimeoutMs } from "../../../src/litefs/node.js";

describe("how long a LiteFS node may take to get ready", () => {
  it("is 30 s unless HOSTCTL_LITEFS_READY_MS names a positive whole number of milliseconds", () => {
    expect(litefsReadyTimeoutMs({})).toBe(30_000);
    expect(litefsReadyTimeoutMs({ HOSTCTL_LITEFS_READY_MS: "5000" })).toBe(5000);
    for (const bad of ["", "0", "-1", "2.5", "5s"])
      expect(litefsReadyTimeoutMs({ HOSTCTL_LITEFS_READY_MS: bad })).toBe(30_000);
  });
});
