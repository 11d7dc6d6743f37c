import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  discardUnusablePairs,
  domainCertificates,
  storedCertificates,
  waitForIssuance,
} from "../../../src/proxy/stored-certificates.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";
import { selfSignedPair } from "../../helpers/certificates.js";

afterAll(cleanupTempDirs);

const DOMAIN = "blog.example.com";

const pair = (dir: string, name: string) => selfSignedPair(dir, name, DOMAIN);

/** Puts a certificate and a key where Caddy's storage keeps them for DOMAIN under `issuer`. */
async function store(storage: string, issuer: string, crt: string, key: string): Promise<void> {
  const dir = join(storage, "certificates", issuer, DOMAIN);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${DOMAIN}.crt`), crt);
  await writeFile(join(dir, `${DOMAIN}.key`), key);
}

describe("storedCertificates", () => {
  it("offers a certificate whose key matches it", async () => {
    const storage = await tempDir("caddy-storage");
    const a = await pair(await tempDir("pairs"), "a");
    await store(storage, "local", a.crt, a.key);
    expect(await storedCertificates(storage, [DOMAIN])).toEqual([
      { certificate: `certificates/local/${DOMAIN}/${DOMAIN}.crt`, key: `certificates/local/${DOMAIN}/${DOMAIN}.key` },
    ]);
  });

  it("leaves out a certificate stored beside another one's key (Caddy refuses a whole config that loads it)", async () => {
    const storage = await tempDir("caddy-storage");
    const dir = await tempDir("pairs");
    const [a, b] = [await pair(dir, "a"), await pair(dir, "b")];
    await store(storage, "acme", a.crt, b.key);
    expect(await storedCertificates(storage, [DOMAIN])).toEqual([]);
    // A matching pair under another issuer is offered instead.
    await store(storage, "local", b.crt, b.key);
    expect(await storedCertificates(storage, [DOMAIN])).toEqual([
      { certificate: `certificates/local/${DOMAIN}/${DOMAIN}.crt`, key: `certificates/local/${DOMAIN}/${DOMAIN}.key` },
    ]);
  });

  it("leaves out a pair whose key is cut short", async () => {
    const storage = await tempDir("caddy-storage");
    const a = await pair(await tempDir("pairs"), "a");
    await store(storage, "local", a.crt, a.key.slice(0, 40));
    expect(await storedCertificates(storage, [DOMAIN])).toEqual([]);
  });
});

describe("discardUnusablePairs", () => {
  it("removes a crossed pair with its metadata and keeps a matching one", async () => {
    const storage = await tempDir("caddy-storage");
    const dir = await tempDir("pairs");
    const [a, b] = [await pair(dir, "a"), await pair(dir, "b")];
    await store(storage, "local", a.crt, b.key);
    await writeFile(join(storage, "certificates", "local", DOMAIN, `${DOMAIN}.json`), "{}");
    await store(storage, "acme", b.crt, b.key);
    expect(await discardUnusablePairs(storage, [DOMAIN])).toEqual([`certificates/local/${DOMAIN}`]);
    expect(await readdir(join(storage, "certificates", "local", DOMAIN))).toEqual([]);
    expect((await readdir(join(storage, "certificates", "acme", DOMAIN))).sort()).toEqual([
      `${DOMAIN}.crt`,
      `${DOMAIN}.key`,
    ]);
    expect(await discardUnusablePairs(storage, [DOMAIN])).toEqual([]);
  });
});

describe("waitForIssuance", () => {
  it("returns once Caddy's issuance lock for the domain is gone, and at its deadline while a stale one stays", async () => {
    const storage = await tempDir("caddy-storage");
    const lock = join(storage, "locks", `issue_cert_${DOMAIN}.lock`);
    await mkdir(join(storage, "locks"));
    await writeFile(lock, "{}");
    const release = setTimeout(() => void rm(lock), 300);
    const waiting = Date.now();
    await waitForIssuance(storage, [DOMAIN], 30_000);
    clearTimeout(release);
    expect(Date.now() - waiting).toBeGreaterThanOrEqual(250);
    expect(Date.now() - waiting).toBeLessThan(10_000);
    await expect(readdir(join(storage, "locks"))).resolves.toEqual([]);

    await writeFile(lock, "{}");
    const started = Date.now();
    await waitForIssuance(storage, [DOMAIN], 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

describe("domainCertificates", () => {
  it("names a domain's certificate valid, expired, crossed or none", async () => {
    const storage = await tempDir("caddy-storage");
    const dir = await tempDir("pairs");
    const [a, b] = [await pair(dir, "a"), await pair(dir, "b")];
    expect(await domainCertificates(storage, [DOMAIN])).toEqual(new Map([[DOMAIN, { state: "none" }]]));
    await store(storage, "acme", a.crt, b.key);
    expect((await domainCertificates(storage, [DOMAIN])).get(DOMAIN)).toEqual({
      state: "crossed",
      folder: `certificates/acme/${DOMAIN}`,
    });
    // A sound pair under another issuer is the one named.
    await store(storage, "local", b.crt, b.key);
    const valid = (await domainCertificates(storage, [DOMAIN])).get(DOMAIN);
    expect(valid).toMatchObject({ state: "valid", folder: `certificates/local/${DOMAIN}` });
    const validTo = valid?.state === "valid" ? valid.validTo.getTime() : 0;
    expect(validTo - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await domainCertificates(storage, [DOMAIN], Date.now() + 31 * 86_400_000)).get(DOMAIN)).toMatchObject({
      state: "expired",
    });
  });
});
