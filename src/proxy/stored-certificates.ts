import { X509Certificate } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathExists } from "../lib/fs.js";

const MIN_REMAINING_MS = 60 * 60 * 1000;

/**
 * The certificates Caddy keeps in its storage for these domains (any issuer), still valid for at least an
 * hour, as storage keys. Loading them with each config keeps TLS handshakes working across a reload.
 */
export async function storedCertificates(
  storage: string,
  domains: readonly string[],
  now = Date.now(),
): Promise<{ certificate: string; key: string }[]> {
  const root = join(storage, "certificates");
  const issuers = await readdir(root).catch(() => [] as string[]);
  const out: { certificate: string; key: string }[] = [];
  for (const domain of domains) {
    for (const issuer of issuers) {
      const certificate = `certificates/${issuer}/${domain}/${domain}.crt`;
      const key = `certificates/${issuer}/${domain}/${domain}.key`;
      if (!(await pathExists(join(storage, key)))) continue;
      const pem = await readFile(join(storage, certificate), "utf8").catch(() => undefined);
      if (pem === undefined) continue;
      try {
        if (Date.parse(new X509Certificate(pem).validTo) - now > MIN_REMAINING_MS) {
          out.push({ certificate, key });
          break;
        }
      } catch {
        // not a certificate Caddy could load either
      }
    }
  }
  return out;
}
