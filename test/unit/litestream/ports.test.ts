import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { validateHostConfig } from "../../../src/config/host.js";
import { assignMetricsPorts } from "../../../src/litestream/ports.js";
import { HostctlError } from "../../../src/lib/errors.js";

const host = validateHostConfig(
  { replica: { url: "file:///r" }, litestream: { metrics_port_base: 9430 } },
  "hostctl.yml",
);
const app = (name: string, port: number) =>
  validateAppSpec({ name, repo: "/r.git", port, databases: [{ path: "db.sqlite3" }] }, "app.yml");

describe("assignMetricsPorts", () => {
  it("gives a new host's apps consecutive ports in name order", () => {
    expect(assignMetricsPorts(host, [app("shop", 8002), app("blog", 8001)], {})).toEqual({ blog: 9430, shop: 9431 });
  });

  it("keeps every app's port when an app that sorts first is added, and frees a removed app's port", () => {
    const before = { blog: 9430, shop: 9431 };
    expect(assignMetricsPorts(host, [app("blog", 8001), app("shop", 8002), app("aaa", 8003)], before)).toEqual({
      aaa: 9432,
      blog: 9430,
      shop: 9431,
    });
    expect(assignMetricsPorts(host, [app("shop", 8002), app("wiki", 8004)], before)).toEqual({
      shop: 9431,
      wiki: 9430,
    });
  });

  it("moves a port that is outside the host's range or taken twice", () => {
    expect(assignMetricsPorts(host, [app("blog", 8001), app("shop", 8002)], { blog: 20000, shop: 9430 })).toEqual({
      blog: 9431,
      shop: 9430,
    });
    expect(assignMetricsPorts(host, [app("blog", 8001), app("shop", 8002)], { blog: 9430, shop: 9430 })).toEqual({
      blog: 9430,
      shop: 9431,
    });
  });

  it("fits 100 apps and refuses the 101st naming the range, the setting and the limit (exit 2)", () => {
    const apps = Array.from({ length: 100 }, (_, i) => app(`app${String(i).padStart(3, "0")}`, 8001 + i));
    expect(
      Object.values(assignMetricsPorts(host, apps, {}))
        .sort((a, b) => a - b)
        .at(-1),
    ).toBe(9529);
    const refuse = () => assignMetricsPorts(host, [...apps, app("one-more", 8200)], {});
    expect(refuse).toThrow(
      /at most 100 apps: no Litestream metrics port left in 9430-9529 \(litestream\.metrics_port_base/,
    );
    const refusal = (() => {
      try {
        refuse();
      } catch (error) {
        return error;
      }
    })();
    expect(refusal instanceof HostctlError && [refusal.code, refusal.exitCode]).toEqual(["CONFIG_INVALID", 2]);
  });
});
