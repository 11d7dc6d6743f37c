import { describe, expect, it } from "vitest";
import { hashPassword, newToken, verifyPassword, verifyToken } from "../../../src/status-page/password.js";
import { readCookie, sessionCookie, Sessions, SESSION_TTL_MS } from "../../../src/status-page/session.js";
import { LoginLimit } from "../../../src/status-page/login-limit.js";

describe("passwords", () => {
  it("are stored as salted scrypt hashes that verify the password and nothing else", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, "correct horse battery")).toBe(true);
    expect(await verifyPassword(a, "correct horse batterY")).toBe(false);
    expect(await verifyPassword("scrypt$garbage", "x")).toBe(false);
  });
});

describe("bearer tokens", () => {
  it("verify against their stored hash only", () => {
    const { token, hash } = newToken();
    expect(verifyToken(hash, token)).toBe(true);
    expect(verifyToken(hash, `${token}x`)).toBe(false);
    expect(verifyToken(undefined, token)).toBe(false);
  });
});

describe("sessions", () => {
  const now = new Date("2026-03-01T00:00:00Z");
  it("are valid until they expire, and only for the password they were issued under", () => {
    const sessions = new Sessions();
    const value = sessions.issue(now, "scrypt$1");
    expect(sessions.isValid(value, now, "scrypt$1")).toBe(true);
    expect(sessions.isValid(value, new Date(now.getTime() + SESSION_TTL_MS), "scrypt$1")).toBe(false);
    expect(sessions.isValid(value, now, "scrypt$2")).toBe(false);
    expect(new Sessions().isValid(value, now, "scrypt$1")).toBe(false);
  });
  it("refuse a forged expiry", () => {
    const sessions = new Sessions();
    const [, mac] = sessions.issue(now, "h").split(".");
    expect(sessions.isValid(`${now.getTime() + 10 * SESSION_TTL_MS}.${mac}`, now, "h")).toBe(false);
  });
  it("travel in a Secure, HttpOnly, SameSite=Strict cookie", () => {
    expect(sessionCookie("v")).toBe(
      `hostctl_status=v; Path=/; Max-Age=${SESSION_TTL_MS / 1000}; Secure; HttpOnly; SameSite=Strict`,
    );
    expect(readCookie("a=1; hostctl_status=x.y=; b=2", "hostctl_status")).toBe("x.y=");
  });
});

describe("the failed-login limit", () => {
  it("makes a client wait after five failures in a minute, and no other client", () => {
    const limit = new LoginLimit();
    for (let i = 0; i < 5; i++) {
      expect(limit.retryAfter("1.2.3.4", 1000 + i)).toBe(0);
      limit.failed("1.2.3.4", 1000 + i);
    }
    expect(limit.retryAfter("1.2.3.4", 2000)).toBe(59);
    expect(limit.retryAfter("5.6.7.8", 2000)).toBe(0);
    expect(limit.retryAfter("1.2.3.4", 61_001)).toBe(0);
  });
  it("makes everyone wait after fifty failures in a minute from many addresses", () => {
    const limit = new LoginLimit();
    for (let i = 0; i < 50; i++) limit.failed(`10.0.0.${i}`, 1000);
    expect(limit.retryAfter("192.168.1.1", 2000)).toBeGreaterThan(0);
  });
});
