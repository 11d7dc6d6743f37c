import { describe, expect, it } from "vitest";
import { parseHostConfig } from "../../../src/config/host.js";
import { validateAppSpec } from "../../../src/config/app.js";
import { checkAppRules } from "../../../src/config/rules.js";
import { appDomains } from "../../../src/config/domains.js";
import { messageOf } from "../../helpers/config-error.js";

const withProxy = parseHostConfig(
  "replica:\n  url: s3://bucket/prefix\nproxy:\n  tls: internal\n  http_port: 8080\n  https_port: 8443\n",
  "hostctl.yml",
);
const base = { name: "blog", repo: "/srv/blog.git", port: 8001 };

describe("proxy settings", () => {
  it("are absent unless configured, and filled with defaults when present", () => {
    expect(parseHostConfig("replica:\n  url: s3://bucket/prefix\n", "hostctl.yml").proxy).toBeUndefined();
    expect(withProxy.proxy).toMatchObject({
      tls: "internal",
      http_port: 8080,
      https_port: 8443,
      max_body: "50mb",
      graceful_timeout: "30s",
      caddy: "caddy",
    });
  });

  it("reject an unknown key with its line", () => {
    expect(
      messageOf(() => parseHostConfig("replica:\n  url: s3://bucket/prefix\nproxy:\n  tsl: off\n", "hostctl.yml")),
    ).toBe("hostctl.yml:4:3 proxy.tsl: unknown key");
  });

  it("reject an unknown TLS mode", () => {
    expect(
      messageOf(() =>
        parseHostConfig("replica:\n  url: s3://bucket/prefix\nproxy:\n  tls: letsencrypt\n", "hostctl.yml"),
      ),
    ).toContain('proxy.tls: expected one of "acme", "internal", "off"');
  });

  it("reject the same port for HTTP and HTTPS", () => {
    expect(
      messageOf(() =>
        parseHostConfig(
          "replica:\n  url: s3://bucket/prefix\nproxy:\n  http_port: 8080\n  https_port: 8080\n",
          "hostctl.yml",
        ),
      ),
    ).toContain("proxy.https_port");
  });
});

describe("app domains", () => {
  it("rejects a domain that is not a host name", () => {
    expect(messageOf(() => validateAppSpec({ ...base, domains: ["exa mple.com"] }, "app.yml"))).toContain(
      "app.yml domains[0]: expected a lowercase host name",
    );
  });

  it("rejects the status page's domain", () => {
    const host = parseHostConfig(
      "replica:\n  url: s3://bucket/prefix\nproxy:\n  tls: internal\n  status:\n    domain: status.example.com\n",
      "hostctl.yml",
    );
    const spec = validateAppSpec({ ...base, domains: ["blog.example.com", "status.example.com"] }, "app.yml");
    expect(messageOf(() => checkAppRules(spec, [], host, "app.yml"))).toBe(
      'app.yml domains[1]: domain "status.example.com" is the status page\'s (proxy.status.domain in hostctl.yml): give the app or the page another',
    );
  });

  it("rejects a domain another app serves", () => {
    const other = validateAppSpec({ ...base, name: "shop", port: 8002, domains: ["shop.example.com"] }, "shop.yml");
    const spec = validateAppSpec({ ...base, domains: ["blog.example.com", "shop.example.com"] }, "app.yml");
    expect(messageOf(() => checkAppRules(spec, [other], withProxy, "app.yml"))).toBe(
      'app.yml domains[1]: domain "shop.example.com" is already served by app "shop"',
    );
  });

  it("rejects a domain listed twice", () => {
    const spec = validateAppSpec({ ...base, domains: ["blog.example.com", "blog.example.com"] }, "app.yml");
    expect(messageOf(() => checkAppRules(spec, [], withProxy, "app.yml"))).toContain(
      'domains[1]: domain "blog.example.com" is listed twice',
    );
  });

  it("rejects an app port the proxy listens on", () => {
    const spec = validateAppSpec({ ...base, port: 8443 }, "app.yml");
    expect(messageOf(() => checkAppRules(spec, [], withProxy, "app.yml"))).toBe(
      "app.yml port: port 8443 is the proxy's proxy.https_port",
    );
  });

  it("reads the single domain of older app.yml files as one of its domains", () => {
    expect(
      appDomains(validateAppSpec({ ...base, domain: "old.example.com", domains: ["new.example.com"] }, "app.yml")),
    ).toEqual(["new.example.com", "old.example.com"]);
  });
});
