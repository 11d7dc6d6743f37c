import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** scrypt cost: N=2^15 (about 32 MiB, tens of ms): a guess costs as much offline as online. */
const N = 32768;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const MAX_MEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, { N: n, r, p, maxmem: MAX_MEM }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** "scrypt$N$r$p$salt$key" (base64url): the parameters travel with the hash so they can grow. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Constant-time compare; a hash that does not parse never matches. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const got = await derive(password, Buffer.from(salt, "base64url"), Number(n), Number(r), Number(p)).catch(
    () => undefined,
  );
  return got !== undefined && got.length === expected.length && timingSafeEqual(got, expected);
}

/** A bearer token: 32 random bytes. Its SHA-256 is stored (a random token needs no slow hash). */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return `sha256$${createHash("sha256").update(token).digest("hex")}`;
}

export function verifyToken(stored: string | undefined, token: string): boolean {
  if (!stored) return false;
  const a = Buffer.from(stored);
  const b = Buffer.from(tokenHash(token));
  return a.length === b.length && timingSafeEqual(a, b);
}
