import type { AppSpec } from "../config/schema.js";

/** A uwsgi command line: the program run is uwsgi (a path ending in uwsgi, or uwsgi itself). */
const UWSGI = /^(\S*\/)?uwsgi(\s|$)/;

/** Pure: uwsgi reads SIGTERM as "reload" (before 2.1) and would only stop at SIGKILL; SIGINT ends
 * every version. app.yml's stop_signal wins; the front door drains first. */
export function stopSignalOf(spec: Pick<AppSpec, "stop_signal">, type: string, command: string): NodeJS.Signals {
  return spec.stop_signal[type] ?? (UWSGI.test(command.trim().replace(/^exec\s+/, "")) ? "SIGINT" : "SIGTERM");
}
