import { describe, expect, it } from "vitest";
import { assignInternalPorts } from "../../../src/proxy/internal-ports.js";
import { needsLegacyBuffers, parseCaddyVersion } from "../../../src/proxy/caddy-binary.js";

describe("assignInternalPorts", () => {
  it("gives each app a pair from the base, in name order", () => {
    expect(assignInternalPorts(18000, ["shop", "blog"], {})).toEqual({
      blog: { ports: [18000, 18001] },
      shop: { ports: [18002, 18003] },
    });
  });

  it("keeps an app's pair (and its live port) when another app is added or removed", () => {
    const before = { shop: { ports: [18002, 18003] as [number, number], live: 18003 } };
    expect(assignInternalPorts(18000, ["shop", "api"], before)).toEqual({
      api: { ports: [18000, 18001] },
      shop: { ports: [18002, 18003], live: 18003 },
    });
  });

  it("moves a pair that fell outside the range after the base changed", () => {
    expect(assignInternalPorts(19000, ["shop"], { shop: { ports: [18002, 18003] } })).toEqual({
      shop: { ports: [19000, 19001] },
    });
  });
});

describe("caddy version", () => {
  it("reads Debian's and upstream's version output", () => {
    expect(parseCaddyVersion("2.6.2")).toEqual([2, 6, 2]);
    expect(parseCaddyVersion("v2.7.6 h1:w0NymbG2m9PcvKWsrXO6EEkY9Ru4FJK8uQbYcev1p3A=")).toEqual([2, 7, 6]);
  });

  it("buffers bodies with the old keys before 2.6.4 and the new ones after", () => {
    expect([needsLegacyBuffers([2, 6, 2]), needsLegacyBuffers([2, 6, 4]), needsLegacyBuffers([2, 8, 0])]).toEqual([
      true,
      false,
      false,
    ]);
  });
});
