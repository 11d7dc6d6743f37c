import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "hostctl_status";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

// The key is made at supervisor start, so a restart logs everyone out and nothing secret is stored.
// The password hash is part of the signed text, so a new password ends every session.
export class Sessions {
  private readonly key = randomBytes(32);

  issue(now: Date, passwordHash: string): string {
    const expires = String(now.getTime() + SESSION_TTL_MS);
    return `${expires}.${this.sign(expires, passwordHash)}`;
  }

  isValid(value: string | undefined, now: Date, passwordHash: string | undefined): boolean {
    if (!value || !passwordHash) return false;
    const [expires = "", mac = ""] = value.split(".");
    if (!/^\d+$/.test(expires) || Number(expires) <= now.getTime()) return false;
    const expected = Buffer.from(this.sign(expires, passwordHash));
    const got = Buffer.from(mac);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  private sign(expires: string, passwordHash: string): string {
    return createHmac("sha256", this.key).update(`${expires}\n${passwordHash}`).digest("base64url");
  }
}

/** Pure: Secure; HttpOnly; SameSite=Strict, on the page's only path. */
export function sessionCookie(value: string): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${SESSION_TTL_MS / 1000}; Secure; HttpOnly; SameSite=Strict`;
}

/** Pure: one cookie's value from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}
