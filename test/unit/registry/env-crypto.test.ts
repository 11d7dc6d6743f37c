import { describe, expect, it } from "vitest";
import { decryptEnv, encryptEnv, generateEnvKeyPair } from "../../../src/registry/env-crypto.js";

describe("mirrored env encryption", () => {
  const keys = generateEnvKeyPair();
  const text = "DJANGO_SECRET_KEY=s3cr3t\nDEBUG=0\n";

  it("round-trips with the private key and never holds the plaintext", () => {
    const envelope = encryptEnv(text, keys.publicKey);
    expect(JSON.stringify(envelope)).not.toContain("s3cr3t");
    expect(decryptEnv(envelope, keys.privateKey)).toBe(text);
  });

  it("refuses another private key", () => {
    const envelope = encryptEnv(text, keys.publicKey);
    expect(() => decryptEnv(envelope, generateEnvKeyPair().privateKey)).toThrow(/wrong private key/);
  });

  it("detects a tampered ciphertext", () => {
    const envelope = encryptEnv(text, keys.publicKey);
    const data = Buffer.from(envelope.data, "base64");
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => decryptEnv({ ...envelope, data: data.toString("base64") }, keys.privateKey)).toThrow(/damaged/);
  });
});
