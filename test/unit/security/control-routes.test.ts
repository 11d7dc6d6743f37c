import { describe, expect, it } from "vitest";
import { ControlRoutes } from "../../../src/supervisor/control-server.js";
import { assertAppName } from "../../../src/config/app-name.js";

describe("control route parameters", () => {
  const routes = new ControlRoutes({ name: assertAppName }).add("POST /apps/:name/stop", (params) =>
    Promise.resolve({ body: params }),
  );

  it("decodes and checks a parameter before a handler sees it", () => {
    expect(routes.match("POST", "/apps/my-blog/stop")?.params).toEqual({ name: "my-blog" });
  });

  it("a malformed percent-encoding is a usage error (400), not an uncaught URIError", () => {
    expect(() => routes.match("POST", "/apps/%E0%A4%A/stop")).toThrow(
      "path parameter name: malformed percent-encoding",
    );
  });

  it("a decoded name that is not an app name is a usage error (400)", () => {
    expect(() => routes.match("POST", "/apps/..%2F..%2Fx/stop")).toThrow(
      'app name "../../x": expected a lowercase letter',
    );
  });
});
