import type { AppStatus } from "../supervisor/control-protocol.js";
import { drillsChart } from "./drills-chart.js";
import { ago, esc, seconds } from "./html.js";
import { lagChart } from "./lag-chart.js";
import type { AppHistory, DrillPoint, PageData } from "./page-data.js";
import { documentHtml } from "./page-style.js";

const REFRESH_S = 60;

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return `<p class="muted">none</p>`;
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</table>`;
}

function verdict(ok: boolean | null, text = ok ? "ok" : "FAILED"): string {
  return ok === null ? `<span class="muted">-</span>` : `<span class="${ok ? "ok" : "bad"}">${esc(text)}</span>`;
}

/** Pure: alarming when renewal is overdue (ACME renews with a third of the life left). */
export function expiryText(certificate: PageData["certificates"][number], now: Date): string {
  const hours = (Date.parse(certificate.expires_at) - now.getTime()) / 3_600_000;
  // Caddy's local CA issues 12 h certificates and renews them every few hours.
  const late = certificate.issuer === "local" ? hours < 1 : hours < 14 * 24;
  const left = hours < 48 ? `${Math.max(0, hours).toFixed(0)} hours` : `${(hours / 24).toFixed(0)} days`;
  return `${esc(certificate.domain)} <span class="${late ? "bad" : "muted"}">expires in ${left} (${esc(certificate.issuer)})</span>`;
}

function hostSection(data: PageData, now: Date): string {
  const free = data.disk
    ? `${(data.disk.free_bytes / 1e9).toFixed(1)} GB free of ${(data.disk.total_bytes / 1e9).toFixed(1)} GB`
    : "unknown";
  const certs = data.certificates.map((c) => expiryText(c, now));
  const rows = [
    [
      "supervisor",
      `pid ${data.supervisor.pid} on ${esc(data.supervisor.host)}, up since ${esc(ago(data.supervisor.started_at, now))}`,
    ],
    ["lease", esc(data.lease ? `${data.lease.state}${data.lease.host_id ? ` (${data.lease.host_id})` : ""}` : "-")],
    ["Litestream", esc(data.litestream ? `${data.litestream.version} (${data.litestream.line})` : "-")],
    [
      "Caddy",
      esc(
        `${data.proxy.state}${data.proxy.caddy_version ? ` ${data.proxy.caddy_version}` : ""}${data.proxy.reason ? `: ${data.proxy.reason}` : ""}`,
      ),
    ],
    ["certificates", certs.join("<br>") || `<span class="muted">none stored</span>`],
    ["disk", `<span class="${data.disk?.full ? "bad" : ""}">${esc(free)}</span>`],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`;
}

function drillRows(drills: readonly DrillPoint[], now: Date): string[][] {
  return [...drills]
    .reverse()
    .slice(0, 5)
    .map((d) => [
      esc(ago(d.at, now)),
      d.skipped ? `<span class="muted">skipped</span>` : verdict(d.ok),
      esc(seconds(d.rto_ms === null ? null : d.rto_ms / 1000)),
      esc(seconds(d.rpo_s)),
      esc(d.failed_checks.join("; ")),
    ]);
}

function deployRows(history: AppHistory, now: Date): string[][] {
  return history.deploys
    .slice(0, 8)
    .map((d) => [
      esc(d.kind),
      esc(ago(d.at, now)),
      verdict(d.ok, d.ok ? "ok" : `FAILED at ${d.failed_step ?? "?"}`),
      `<code>${esc(d.release ?? d.commit?.slice(0, 12) ?? "-")}</code>`,
      esc(d.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)}s`).join(", ")),
    ]);
}

function appSection(app: AppStatus, history: AppHistory | undefined, now: Date): string {
  const h = history ?? { commit: null, commit_message: null, lag: [], drills: [], deploys: [] };
  const lag = app.replication?.length ? Math.max(...app.replication.map((r) => r.lag_s)) : null;
  const processes = app.processes.map((p) => [
    esc(p.type),
    verdict(p.state === "running", p.state),
    esc(p.pid ?? "-"),
    esc(p.restarts),
  ]);
  const jobs = Object.entries(app.jobs ?? {}).map(([name, j]) => [
    esc(name),
    esc(ago(j.last_run_at, now)),
    j.running ? "running" : verdict(j.ok, j.ok ? "ok" : `exit ${String(j.exit_code)}`),
    esc(j.duration_ms === null ? "-" : seconds(j.duration_ms / 1000)),
  ]);
  return `<section id="app-${esc(app.name)}"><h2>${esc(app.name)} ${verdict(app.state === "running", app.state)}</h2>
${app.reason ? `<p class="bad">${esc(app.reason)}</p>` : ""}
<p>release <code>${esc(app.release ?? "-")}</code> commit <code>${esc(h.commit?.slice(0, 12) ?? "-")}</code> ${esc(h.commit_message?.split("\n")[0] ?? "")}</p>
${table(["process", "state", "pid", "restarts"], processes)}
<h3>Replication lag, last 24 h</h3><p class="legend">now: <span class="blue">database ${esc(lag === null ? "unknown" : seconds(lag))}</span>, <span class="orange">media ${esc(app.media ? seconds(app.media.lag_s) : "-")}</span></p>
${lagChart(h.lag, now)}
<h3>Restore drills</h3><p class="legend"><span class="blue">RTO (restore time)</span>, <span class="orange">RPO (replica freshness)</span>; red cross: failed</p>
${drillsChart(h.drills, now)}${table(["when", "verdict", "RTO", "RPO", "failed check"], drillRows(h.drills, now))}
<h3>Deploys and rollbacks</h3>${table(["", "when", "result", "release", "steps"], deployRows(h, now))}
<h3>Jobs</h3>${table(["job", "last run", "exit", "duration"], jobs)}</section>`;
}

/** Pure: the whole status page. */
export function renderPage(data: PageData, now: Date): string {
  const body = `<h1>hostctl on ${esc(data.supervisor.host)}</h1><p class="muted">as of ${esc(data.generated_at)}; refreshes every minute; read only</p>
${hostSection(data, now)}${data.apps.map((app) => appSection(app, data.history[app.name], now)).join("\n")}`;
  return documentHtml(`hostctl status: ${esc(data.supervisor.host)}`, body, REFRESH_S);
}

/** Pure: the login form (`error`: why the last try failed). */
export function renderLogin(error?: string): string {
  return documentHtml(
    "hostctl status: log in",
    `<form method="post" action="/login"><h1>hostctl status</h1>${error ? `<p class="bad">${esc(error)}</p>` : ""}<label>Password<input type="password" name="password" autocomplete="current-password" autofocus required></label><input type="submit" value="Log in"></form>`,
  );
}
