import { describe, expect, it } from "vitest";
import { validateAppSpec } from "../../../src/config/app.js";
import { stopSignalOf } from "../../../src/apps/stop-signal.js";
import { messageOf } from "../../helpers/config-error.js";

const spec = (extra: Record<string, unknown> = {}) =>
  validateAppSpec({ name: "blog", repo: "/r", port: 8001, ...extra }, "app.yml");

describe("stop signals", () => {
  it("stops gunicorn and other programs with SIGTERM", () => {
    expect(stopSignalOf(spec(), "web", "gunicorn mysite.wsgi --bind 127.0.0.1:$PORT")).toBe("SIGTERM");
    expect(stopSignalOf(spec(), "worker", "python manage.py uwsgi_like_name")).toBe("SIGTERM");
  });

  it("stops uwsgi with SIGINT, since it reads SIGTERM as reload", () => {
    expect(stopSignalOf(spec(), "web", "uwsgi ./etc/uwsgi.ini")).toBe("SIGINT");
    expect(stopSignalOf(spec(), "web", "/srv/app/.venv/bin/uwsgi --ini etc/uwsgi.ini")).toBe("SIGINT");
    expect(stopSignalOf(spec(), "web", "exec uwsgi --http-socket :$PORT")).toBe("SIGINT");
  });

  it("takes app.yml's stop_signal for the process type over the guess", () => {
    const custom = spec({ stop_signal: { web: "SIGQUIT", worker: "SIGINT" } });
    expect(stopSignalOf(custom, "web", "uwsgi x.ini")).toBe("SIGQUIT");
    expect(stopSignalOf(custom, "worker", "celery worker")).toBe("SIGINT");
    expect(stopSignalOf(custom, "beat", "celery beat")).toBe("SIGTERM");
  });

  it("refuses an unknown signal in app.yml, naming the key", () => {
    expect(messageOf(() => spec({ stop_signal: { web: "TERM" } }))).toContain("stop_signal.web");
  });
});
