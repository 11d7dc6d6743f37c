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
});
