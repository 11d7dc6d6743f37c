import type { AppSpec, HostConfig } from "./schema.js";
import { ConfigError, type ConfigIssue } from "../lib/errors.js";
import { appDomains } from "./domains.js";
import { litefsAppIssues } from "../litefs/rules.js";

export const METRICS_PORT_SPAN = 100;

/** Pure cross-field checks that one schema cannot see: other apps, host settings. */
export function checkAppRules(spec: AppSpec, others: readonly AppSpec[], host: HostConfig, file: string): void {
  const issues: ConfigIssue[] = [];
  const clash = others.find((other) => other.name !== spec.name && other.port === spec.port);
  if (clash) issues.push({ file, path: "port", message: `port ${spec.port} is already used by app "${clash.name}"` });
  const base = host.litestream.metrics_port_base;
  if (spec.port >= base && spec.port < base + METRICS_PORT_SPAN) {
    issues.push({
      file,
      path: "port",
      message: `ports ${base}-${base + METRICS_PORT_SPAN - 1} are reserved for Litestream metrics (litestream.metrics_port_base), got ${spec.port}`,
    });
  }
  issues.push(...proxyIssues(spec, others, host, file));
  issues.push(...litefsAppIssues(spec, host, file));
  if (spec.kind === "generic" && spec.build !== undefined && spec.build.trim() === "") {
    issues.push({ file, path: "build", message: "expected a command line" });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** Pure: domains unique within and across apps; no app port the proxy listens on. */
function proxyIssues(spec: AppSpec, others: readonly AppSpec[], host: HostConfig, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  spec.domains.forEach((domain, index) => {
    if (spec.domains.indexOf(domain) !== index)
      issues.push({ file, path: `domains[${index}]`, message: `domain "${domain}" is listed twice` });
    const owner = others.find((other) => other.name !== spec.name && appDomains(other).includes(domain));
    if (owner)
      issues.push({
        file,
        path: `domains[${index}]`,
        message: `domain "${domain}" is already served by app "${owner.name}"`,
      });
  });
  if (spec.domain !== undefined && !spec.domains.includes(spec.domain)) {
    const owner = others.find((other) => other.name !== spec.name && appDomains(other).includes(spec.domain ?? ""));
    if (owner)
      issues.push({
        file,
        path: "domain",
        message: `domain "${spec.domain}" is already served by app "${owner.name}"`,
      });
  }
  const proxy = host.proxy;
  const statusDomain = proxy?.status?.domain;
  if (statusDomain !== undefined && appDomains(spec).includes(statusDomain)) {
    const index = spec.domains.indexOf(statusDomain);
    issues.push({
      file,
      path: index < 0 ? "domain" : `domains[${index}]`,
      message: `domain "${statusDomain}" is the status page's (proxy.status.domain in hostctl.yml): give the app or the page another`,
    });
  }
  if (proxy && (spec.port === proxy.http_port || spec.port === proxy.https_port)) {
    issues.push({
      file,
      path: "port",
      message: `port ${spec.port} is the proxy's ${spec.port === proxy.http_port ? "proxy.http_port" : "proxy.https_port"}`,
    });
  }
  if (proxy && spec.port >= proxy.internal_port_base && spec.port < proxy.internal_port_base + INTERNAL_PORT_SPAN) {
    issues.push({
      file,
      path: "port",
      message: `ports ${proxy.internal_port_base}-${proxy.internal_port_base + INTERNAL_PORT_SPAN - 1} are reserved for the apps' internal ports (proxy.internal_port_base), got ${spec.port}`,
    });
  }
  return issues;
}

/** Internal loopback ports reserved from proxy.internal_port_base: two per app (blue/green). */
export const INTERNAL_PORT_SPAN = 200;
