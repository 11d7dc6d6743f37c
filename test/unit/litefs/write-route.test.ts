import { describe, expect, it } from "vitest";
import { parseHostConfig } from "../../../src/config/host.js";
import { frontDoorOf, writeRouteFor } from "../../../src/litefs/primary-watch.js";
import { writeRoute } from "../../../src/proxy/write-route.js";

const replica = parseHostConfig(
  "replica:\n  url: file:///mnt/backup\nlitefs:\n  node: web-2\n  role: replica\n  advertise: http://10.0.0.2\n" +
    "  primary:\n    node: web-1\n    advertise: http://10.0.0.1\n    front_door: http://10.0.0.1\n  front_doors:\n    web-3: https://web-3.example.com\n",
  "hostctl.yml",
).litefs;
const primary = parseHostConfig(
  "replica:\n  url: file:///mnt/backup\nlitefs:\n  node: web-1\n  role: candidate\n  advertise: http://10.0.0.1\n",
  "hostctl.yml",
).litefs;

describe("write routing on a LiteFS replica", () => {
  it("sends writes to the front door of the node .primary names", () => {
    if (!replica || !primary) throw new Error("test: no litefs section");
    expect(writeRouteFor(replica, "web-1")).toEqual({ target: "http://10.0.0.1", paths: ["/admin/"] });
    expect(writeRouteFor(replica, "web-3")).toEqual({ target: "https://web-3.example.com", paths: ["/admin/"] });
    expect(frontDoorOf(replica, "web-9")).toBeUndefined();
    // The primary itself (no .primary) serves everything; a replica that lost its primary answers writes 503.
    expect(writeRouteFor(primary, undefined)).toBeUndefined();
    expect(writeRouteFor(replica, undefined)).toEqual({ target: undefined, paths: ["/admin/"] });
    expect(writeRouteFor(replica, "web-2")).toBeUndefined();
  });

  it("matches every method but GET/HEAD/OPTIONS, and the write paths whatever the method", () => {
    const route = writeRoute({ target: "http://10.0.0.1", paths: ["/admin/", "/api"] }, 1024);
    expect(route.match).toEqual([
      { not: [{ method: ["GET", "HEAD", "OPTIONS"] }] },
      { path: ["/admin", "/admin/*", "/api", "/api/*"] },
    ]);
    expect((route.handle as Record<string, unknown>[])[1]).toMatchObject({
      handler: "reverse_proxy",
      upstreams: [{ dial: "10.0.0.1:80" }],
    });
    const tls = writeRoute({ target: "https://web-3.example.com", paths: [] }, 1024);
    expect((tls.handle as Record<string, unknown>[])[1]).toMatchObject({
      upstreams: [{ dial: "web-3.example.com:443" }],
      transport: { protocol: "http", tls: { server_name: "web-3.example.com" } },
    });
    expect((writeRoute({ target: undefined, paths: [] }, 1024).handle as Record<string, unknown>[])[0]).toMatchObject({
      handler: "static_response",
      status_code: 503,
    });
  });
});
