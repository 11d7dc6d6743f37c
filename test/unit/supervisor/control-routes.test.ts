import { describe, expect, it } from "vitest";
import { ControlRoutes } from "../../../src/supervisor/control-server.js";

describe("control routes", () => {
  const routes = new ControlRoutes()
    .add("GET /status", () => Promise.resolve({ body: "status" }))
    .add("POST /apps/:name/restart", (params) => Promise.resolve({ body: params }));

  it("matches method and path and extracts parameters", () => {
    expect(routes.match("POST", "/apps/my-blog/restart")?.params).toEqual({ name: "my-blog" });
    expect(routes.match("GET", "/status")?.params).toEqual({});
  });

  it("does not match another method or a longer path", () => {
    expect(routes.match("GET", "/apps/blog/restart")).toBeUndefined();
    expect(routes.match("POST", "/apps/blog/restart/now")).toBeUndefined();
  });

  it("a restricted view answers only the routes it names", () => {
    const metricsOnly = new ControlRoutes()
      .add("GET /status", () => Promise.resolve({ body: "status" }))
      .add("POST /apps/:name/stop", () => Promise.resolve({ body: "stopped" }));
    const view = metricsOnly.only("GET /metrics");
    metricsOnly.add("GET /metrics", () => Promise.resolve({ body: "", text: "m 1" }));
    expect(view.match("GET", "/metrics")).toBeDefined();
    expect(view.match("POST", "/apps/blog/stop")).toBeUndefined();
    expect(view.match("GET", "/status")).toBeUndefined();
  });
});
