import type { ProxyStatus } from "../../supervisor/control-protocol.js";

/** Pure: the front door's lines under the app table (empty when the supervisor reports no proxy at all). */
export function proxyLines(status: { proxy?: ProxyStatus }): string {
  const proxy = status.proxy;
  if (!proxy) return "";
  if (proxy.state === "off") return `\nproxy: off (${proxy.reason ?? "not configured"})`;
  const head = `\nproxy: caddy ${proxy.caddy_version ?? "?"} ${proxy.state ?? "?"}${proxy.pid ? ` (pid ${proxy.pid})` : ""}${proxy.restarts ? ` ↻${proxy.restarts}` : ""}, config v${proxy.config_version ?? 0}, tls ${proxy.tls ?? "?"}, listening ${(proxy.listeners ?? []).join(" ") || "nowhere"}`;
  const apps = Object.entries(proxy.apps ?? {}).map(
    ([name, app]) =>
      `  ${name}: ${app.domains.length > 0 ? app.domains.join(", ") : "(no domain: its own port)"} → ${app.live_port === undefined ? "503 (not serving)" : `127.0.0.1:${app.live_port}`}`,
  );
  const handover =
    proxy.listener_handover === "off" || proxy.listener_handover === "unsupported"
      ? [
          `  warning: a config load can reset connections queued during Caddy's reload (listener handover ${proxy.listener_handover}): run hostctl doctor`,
        ]
      : [];
  const stalls = proxy.stall_restarts
    ? [
        `  stalled: did not answer its probes; killed and restarted ${proxy.stall_restarts}× (last at ${proxy.last_stall_restart_at ?? "?"})`,
      ]
    : [];
  const unanswered = proxy.state === "unresponsive" ? [`  not answering: ${proxy.reason ?? "no answer to its probes"}`] : [];
  return [head, ...unanswered, ...stalls, ...handover, ...apps].join("\n");
}
