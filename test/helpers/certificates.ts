import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

/** A self-signed certificate for `domain`, valid 30 days, and its key (PEM), made by openssl in `dir`. */
export async function selfSignedPair(dir: string, name: string, domain: string): Promise<{ crt: string; key: string }> {
  const [crt, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  const args = [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "30",
    "-subj",
    `/CN=${domain}`,
  ];
  await execa("openssl", [...args, "-keyout", key, "-out", crt]);
  return { crt: await readFile(crt, "utf8"), key: await readFile(key, "utf8") };
}
