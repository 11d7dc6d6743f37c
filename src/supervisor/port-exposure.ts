import { readFile } from "node:fs/promises";

/** Pure: addresses listening on `port` in /proc/net/tcp or tcp6, as text (0.0.0.0, ::). */
export function listeningAddresses(table: string, port: number): string[] {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const out: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    // st "0A" is LISTEN; the address is hex, each 32-bit word in host (little-endian) order.
    if (local?.endsWith(hexPort) && fields[3] === "0A") out.push(decodeAddress(local.slice(0, -hexPort.length)));
  }
  return out;
}

/** Pure: whether an address is loopback only (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopback(address: string): boolean {
  return address === "::1" || /^(::ffff:)?127\./.test(address);
}

/** The addresses beyond loopback that something listens on at `port` (Linux /proc). */
export async function exposedAddresses(port: number): Promise<string[]> {
  const tables = await Promise.all(["/proc/net/tcp", "/proc/net/tcp6"].map((f) => readFile(f, "utf8").catch(() => "")));
  return [...new Set(tables.flatMap((t) => listeningAddresses(t, port)).filter((a) => !isLoopback(a)))];
}

/** Pure: the warning for a web process that listens beyond loopback, or undefined. */
export function exposureWarning(port: number, exposed: readonly string[]): string | undefined {
  if (exposed.length === 0) return undefined;
  const where = exposed.map((a) => (a.includes(":") ? `[${a}]:${port}` : `${a}:${port}`)).join(", ");
  return `the web process listens on ${where}, not only on loopback: the app's internal port may be reachable from outside the host; bind 127.0.0.1:$PORT (uwsgi: http-socket = 127.0.0.1:$(PORT)) or firewall the internal ports (docs/front-door.md)`;
}

function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [6, 4, 2, 0].map((i) => parseInt(w.slice(i, i + 2), 16)));
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255)
    return `::ffff:${bytes.slice(12).join(".")}`;
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16),
  );
  return compress(groups);
}

function compress(groups: string[]): string {
  const text = groups.join(":");
  if (text === "0:0:0:0:0:0:0:0") return "::";
  if (text === "0:0:0:0:0:0:0:1") return "::1";
  return text.replace(/(^|:)0(:0)+(:|$)/, "::");
}
