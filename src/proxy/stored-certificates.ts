import { X509Certificate, createPrivateKey } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const MIN_REMAINING_MS = 60 * 60 * 1000;

/**
 * The certificates Caddy keeps in its storage for these domains (any issuer), still valid for at least an
 * hour, as storage keys. Loading them with each config keeps TLS handshakes working across a reload. A pair
 * whose key does not match its certificate (Caddy was writing a new one as they were read) is left out: Caddy
 * refuses a whole config that loads one, and `automate` keeps the domain managed either way.
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
      const [keyPem, pem] = await Promise.all(
        [key, certificate].map((file) => readFile(join(storage, file), "utf8").catch(() => undefined)),
      );
      if (keyPem === undefined || pem === undefined) continue;
      try {
        const x509 = new X509Certificate(pem);
        if (x509.checkPrivateKey(createPrivateKey(keyPem)) && Date.parse(x509.validTo) - now > MIN_REMAINING_MS) {
          out.push({ certificate, key });
          break;
        }
      } catch {
        // not a certificate or a key Caddy could load either
      }
    }
  }
  return out;
}
