import { X509Certificate, createPrivateKey } from "node:crypto";
import { access, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

const MIN_REMAINING_MS = 60 * 60 * 1000;

// Storage keys are the domain as written (hostctl's are lowercase, which Caddy keeps unchanged).
// `usable`: the key is the certificate's own.
interface StoredPair {
  domain: string;
  /** Storage key of the domain's folder, e.g. certificates/local/shop.test. */
  folder: string;
  certificate: string;
  key: string;
  usable: boolean;
  remainingMs: number;
}

async function storedPairs(storage: string, domains: readonly string[], now: number): Promise<StoredPair[]> {
  const issuers = await readdir(join(storage, "certificates")).catch(() => [] as string[]);
  const out: StoredPair[] = [];
  for (const domain of domains) {
    for (const issuer of issuers) {
      const folder = `certificates/${issuer}/${domain}`;
      const certificate = `${folder}/${domain}.crt`;
      const key = `${folder}/${domain}.key`;
      const [keyPem, pem] = await Promise.all(
        [key, certificate].map((file) => readFile(join(storage, file), "utf8").catch(() => undefined)),
      );
      if (keyPem === undefined || pem === undefined) continue;
      let usable = false;
      let remainingMs = 0;
      try {
        const x509 = new X509Certificate(pem);
        usable = x509.checkPrivateKey(createPrivateKey(keyPem));
        remainingMs = Date.parse(x509.validTo) - now;
      } catch {
        // not a certificate or a key Caddy could load either
      }
      out.push({ domain, folder, certificate, key, usable, remainingMs });
    }
  }
  return out;
}

// Valid for at least an hour; loading them with each config keeps handshakes working across a
// reload. Crossed pairs are left out: Caddy refuses a whole config that loads one.
export async function storedCertificates(
  storage: string,
  domains: readonly string[],
  now = Date.now(),
): Promise<{ certificate: string; key: string }[]> {
  const pairs = await storedPairs(storage, domains, now);
  return domains.flatMap((domain) => {
    const pair = pairs.find((p) => p.domain === domain && p.usable && p.remainingMs > MIN_REMAINING_MS);
    return pair ? [{ certificate: pair.certificate, key: pair.key }] : [];
  });
}

/** Its longest-valid sound pair, else a crossed one, else nothing. */
export type DomainCertificate =
  | { state: "valid" | "expired"; folder: string; validTo: Date }
  | { state: "crossed"; folder: string }
  | { state: "none" };

export async function domainCertificates(
  storage: string,
  domains: readonly string[],
  now = Date.now(),
): Promise<Map<string, DomainCertificate>> {
  const pairs = await storedPairs(storage, domains, now);
  return new Map(
    domains.map((domain): [string, DomainCertificate] => {
      const mine = pairs.filter((p) => p.domain === domain);
      const best = mine.filter((p) => p.usable).sort((a, b) => b.remainingMs - a.remainingMs)[0];
      if (best)
        return [
          domain,
          {
            state: best.remainingMs > 0 ? "valid" : "expired",
            folder: best.folder,
            validTo: new Date(now + best.remainingMs),
          },
        ];
      const crossed = mine[0];
      return [domain, crossed ? { state: "crossed", folder: crossed.folder } : { state: "none" }];
    }),
  );
}

// Caddy 2.6 can store a crossed pair itself and then refuses every config managing the domain,
// never replacing it. Only while Caddy is not writing the folder (before start, waitForIssuance).
export async function discardUnusablePairs(storage: string, domains: readonly string[]): Promise<string[]> {
  const unusable = (await storedPairs(storage, domains, Date.now())).filter((p) => !p.usable);
  for (const pair of unusable) {
    await Promise.all(
      [pair.certificate, pair.key, `${pair.folder}/${pair.domain}.json`].map((file) =>
        rm(join(storage, file), { force: true }),
      ),
    );
  }
  return unusable.map((p) => p.folder);
}

// A renewal takes the same lock; a pair read while one is written can look crossed for a moment.
export async function waitForIssuance(storage: string, domains: readonly string[], timeoutMs: number): Promise<void> {
  const locks = domains.map((domain) => join(storage, "locks", `issue_cert_${domain}.lock`));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await Promise.all(
      locks.map((lock) =>
        access(lock).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (!held.includes(true) || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Each stored certificate of these domains and when it expires (the status page shows them). */
export async function certificateExpiries(
  storage: string,
  domains: readonly string[],
): Promise<{ domain: string; issuer: string; expires_at: string }[]> {
  const now = Date.now();
  return (await storedPairs(storage, domains, now)).map((pair) => ({
    domain: pair.domain,
    issuer: pair.folder.split("/")[1] ?? "",
    expires_at: new Date(now + pair.remainingMs).toISOString(),
  }));
}
