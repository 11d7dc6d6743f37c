import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { collectstaticOptOut, isUnknownCommand } from "../../../src/deploy/collectstatic.js";

const spec = (extra: Record<string, unknown> = {}) =>
  validateAppSpec({ name: "blog", repo: "/r", port: 8001, ...extra }, "app.yml");

describe("collectstatic at build", () => {
  it("runs for django and wagtail by default, whatever the Procfile says", () => {
    expect(collectstaticOptOut(spec(), {})).toBeUndefined();
    expect(collectstaticOptOut(spec({ kind: "wagtail" }), { DISABLE_COLLECTSTATIC: "0" })).toBeUndefined();
  });

  it("is turned off by app.yml's django.collectstatic: false", () => {
    expect(collectstaticOptOut(spec({ django: { collectstatic: false } }), {})).toBe(
      "django.collectstatic: false in app.yml",
    );
  });

  it("is turned off by DISABLE_COLLECTSTATIC=1 in the app's env, as on Heroku", () => {
    expect(collectstaticOptOut(spec(), { DISABLE_COLLECTSTATIC: "1" })).toBe(
      "DISABLE_COLLECTSTATIC=1 in the app's env",
    );
  });

  it("never runs for a generic app", () => {
    expect(collectstaticOptOut(spec({ kind: "generic" }), {})).toBe("not a Django app");
  });

  it("recognises Django's answer when django.contrib.staticfiles is not installed", () => {
    expect(isUnknownCommand("Unknown command: 'collectstatic'\nType 'manage.py help' for usage.")).toBe(true);
    expect(isUnknownCommand("ValueError: Missing staticfiles manifest entry for 'x.css'")).toBe(false);
  });
});
