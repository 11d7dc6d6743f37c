import { expect } from "vitest";
import { ConfigError } from "../../src/lib/errors.js";

/** Runs a config check that must fail, and returns its ConfigError's message. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("expected a ConfigError");
}
