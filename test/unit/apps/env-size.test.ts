import { describe, expect, it } from "vitest";
import { ENV_ENTRY_MAX_BYTES, envSizeProblem } from "../../../src/apps/env-size.js";

describe("the size of an app's environment", () => {
  it("accepts a variable whose KEY=VALUE and NUL are exactly 128 KiB, and refuses one byte more", () => {
    const value = "x".repeat(ENV_ENTRY_MAX_BYTES - "K=".length - 1);
    expect(envSizeProblem({ K: value })).toBeUndefined();
    expect(envSizeProblem({ K: `${value}x` })).toMatch(
      /^variable K is 128\.0 KiB; one variable may hold at most 128 KiB/,
    );
  });

  it("counts bytes, not characters", () => {
    expect(envSizeProblem({ K: "é".repeat(70 * 1024) })).toMatch(/^variable K is 140\.0 KiB/);
  });

  it("refuses variables that fit one by one but not together", () => {
    const env = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`V${i}`, "x".repeat(120 * 1024)]));
    expect(envSizeProblem(env)).toMatch(/^the app's variables total 1080\.0 KiB; at most 1024 KiB/);
  });
});
