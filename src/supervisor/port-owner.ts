import { readFile, readdir, readlink } from "node:fs/promises";

/** Pure: inodes of the sockets listening on `port` in a /proc/net/tcp or tcp6 table. */
export function listeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local_address is ADDR:PORT in hex; st "0A" is LISTEN; field 10 is the inode.
    if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A" && fields[9]) inodes.push(fields[9]);
  }
  return inodes;
}

async function processGroup(pid: string): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

async function holdsSocket(pid: string, inodes: Set<string>): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}

// A health check that answered proves little when another process holds the port: this says
// whose answer it was.
export async function portListeners(port: number): Promise<{ pid: number; pgid: number | undefined }[]> {
  const tables = await Promise.all(["/proc/net/tcp", "/proc/net/tcp6"].map((f) => readFile(f, "utf8").catch(() => "")));
  const inodes = new Set(tables.flatMap((t) => listeningInodes(t, port)));
  if (inodes.size === 0) return [];
  const owners: { pid: number; pgid: number | undefined }[] = [];
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    if (await holdsSocket(pid, inodes)) owners.push({ pid: Number(pid), pgid: await processGroup(pid) });
  }
  return owners;
}
