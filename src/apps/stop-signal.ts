import type { AppSpec } from "../config/schema.js";

/** A uwsgi command line: the program run is uwsgi (a path ending in uwsgi, or uwsgi itself). */
const UWSGI = /^(\S*\/)?uwsgi(\s|$)/;

/**
 * Pure: the signal that stops a process of the app gracefully. app.yml's stop_signal wins; uwsgi reads SIGTERM as
 * "reload" (before 2.1, without die-on-term), so it would only stop at SIGKILL after the whole grace period:
 * SIGINT ends it on every version. It has no signal that waits for requests; the front door drains first.
 */
export function stopSignalOf(spec: Pick<AppSpec, "stop_signal">, type: string, command: string): NodeJS.Signals {
  return spec.stop_signal[type] ?? (UWSGI.test(command.trim().replace(/^exec\s+/, "")) ? "SIGINT" : "SIGTERM");
}
