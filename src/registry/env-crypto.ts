import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from "node:crypto";
import { HostctlError } from "../lib/errors.js";

/** Mirrored encrypted to a public key only: the host cannot decrypt; the operator keeps the private
 * key. X25519 → HKDF-SHA256 → AES-256-GCM, one JSON envelope. */
export interface EnvEnvelope {
  v: 1;
  alg: "x25519-hkdf-sha256-aes256gcm";
  epk: string;
  iv: string;
  tag: string;
  data: string;
}

const INFO = Buffer.from("hostctl env v1");

export function generateEnvKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  return {
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    privateKey: privateKey.export({ type: "pkcs8", format: "der" }).toString("base64"),
  };
}

function deriveKey(shared: Buffer, epk: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, epk, INFO, 32));
}

export function encryptEnv(plaintext: string, publicKeyB64: string): EnvEnvelope {
  const recipient = createPublicKey({ key: Buffer.from(publicKeyB64, "base64"), format: "der", type: "spki" });
  const ephemeral = generateKeyPairSync("x25519");
  const epk = ephemeral.publicKey.export({ type: "spki", format: "der" });
  const key = deriveKey(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }), epk);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    v: 1,
    alg: "x25519-hkdf-sha256-aes256gcm",
    epk: epk.toString("base64"),
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    data: data.toString("base64"),
  };
}

export function decryptEnv(envelope: EnvEnvelope, privateKeyB64: string): string {
  try {
    const privateKey = createPrivateKey({
      key: Buffer.from(privateKeyB64.trim(), "base64"),
      format: "der",
      type: "pkcs8",
    });
    const epkDer = Buffer.from(envelope.epk, "base64");
    const key = deriveKey(
      diffieHellman({ privateKey, publicKey: createPublicKey({ key: epkDer, format: "der", type: "spki" }) }),
      epkDer,
    );
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(envelope.iv, "base64"));
    decipher.setAuthTag(Buffer.from(envelope.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, "base64")), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new HostctlError(
      "CONFIG_INVALID",
      "cannot decrypt the mirrored env file: wrong private key (HOSTCTL_ENV_KEY_FILE) or damaged object",
      { exitCode: 2, cause: error },
    );
  }
}
