import { describe, expect, it } from "vitest";
import { takenPorts } from "../../../src/apps/pick-port.js";
import { portRangeOverlap } from "../../../src/config/host-rules.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { parseHostConfig } from "../../../src/config/host.js";

const host = (proxy = "") =>
  parseHostConfig(`replica:\n  url: file:///b\nlitestream:\n  metrics_port_base: 9430\n${proxy}`, "hostctl.yml");

describe("ports an app may take", () => {
  it("are not another app's, the front door's, or in a reserved range", () => {
    const taken = takenPorts(host("proxy:\n  http_port: 8080\n  internal_port_base: 18000\n"), [
      validateAppSpec({ name: "a", repo: "/r", port: 8001 }, "app.yml"),
    ]);
    expect([8001, 8080, 9430, 9529, 18000, 18199].every(taken)).toBe(true);
    expect([8002, 9429, 9530, 17999, 18200].some(taken)).toBe(false);
  });

  it("has the internal and metrics ranges refused when they overlap, naming both", () => {
    expect(portRangeOverlap(host("proxy:\n  internal_port_base: 18000\n"))).toBeUndefined();
    expect(portRangeOverlap(host("proxy:\n  internal_port_base: 9300\n"))).toBe(
      "the apps' internal ports 9300-9499 (proxy.internal_port_base, two per app) overlap the Litestream metrics ports 9430-9529 (litestream.metrics_port_base, one per app): move one of them",
    );
  });
});
