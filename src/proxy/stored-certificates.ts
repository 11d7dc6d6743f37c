import { X509Certificate, createPrivateKey } from "node:crypto";
import { access, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

const MIN_REMAINING_MS = 60 * 60 * 1000;

/**
 * One certificate and key Caddy keeps in its storage for a domain under one issuer (storage keys are the
 * domain as written: hostctl's domains are lowercase host names, which Caddy's storage keeps unchanged).
 * `usable`: the key is the certificate's own; `remainingMs`: how long the certificate is still valid.
 */
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

/**
 * The certificates Caddy keeps in its storage for these domains (any issuer), still valid for at least an
 * hour, as storage keys. Loading them with each config keeps TLS handshakes working across a reload. A pair
 * whose key does not match its certificate is left out: Caddy refuses a whole config that loads one, and
 * `automate` keeps the domain managed either way.
 */
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

/** What Caddy's storage holds for one domain: its longest-valid sound pair, else a crossed one, else nothing. */
export type DomainCertificate =
  { state: "valid" | "expired"; folder: string; validTo: Date } | { state: "crossed"; folder: string } | { state: "none" };

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
          { state: best.remainingMs > 0 ? "valid" : "expired", folder: best.folder, validTo: new Date(now + best.remainingMs) },
        ];
      const crossed = mine[0];
      return [domain, crossed ? { state: "crossed", folder: crossed.folder } : { state: "none" }];
    }),
  );
}

/**
 * Removes each stored pair of these domains whose key is not its certificate's own (or that cannot be read
 * as a certificate and a key), with its metadata, and returns the folders it emptied. Caddy 2.6 can store
 * such a pair itself: two issuances for one domain that both pass its storage lock write their files
 * interleaved. From then on it refuses every config that manages the domain ("private key does not match
 * public key") and never replaces the pair, so the front door could not load a config again. With the pair
 * gone, Caddy issues the domain a new certificate. Only while Caddy is not writing that folder: before it
 * starts, or once it holds no issuance lock for the domain (waitForIssuance).
 */
export async function discardUnusablePairs(storage: string, domains: readonly string[]): Promise<string[]> {
  const unusable = (await storedPairs(storage, domains, Date.now())).filter((p) => !p.usable);
  for (const pair of unusable) {
    await Promise.all(
      [pair.certificate, pair.key, `${pair.folder}/${pair.domain}.json`].map((file) => rm(join(storage, file), { force: true })),
    );
  }
  return unusable.map((p) => p.folder);
}

/**
 * Resolves once Caddy holds no issuance lock for any of these domains (its lock files in storage; a renewal
 * takes the same lock), or after `timeoutMs`: a pair read while one is written can look crossed for a moment.
 */
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
