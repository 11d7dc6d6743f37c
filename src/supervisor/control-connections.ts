import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

// An eighth of the open-files limit, 8 to 64: the rest stays for Litestream, app pipes, S3,
// media and the front door.
export function connectionCap(openFiles: number | undefined): number {
  return openFiles === undefined ? 64 : Math.min(64, Math.max(8, Math.floor(openFiles / 8)));
}

// Past `max` the oldest connection still sending (or idle) is closed, so a trickling client
// cannot crowd out others; when all are being served the newcomer gets 503 SUPERVISOR_BUSY.
export class ConnectionLimit {
  private readonly open = new Set<Socket>();
  private readonly serving = new Set<Socket>();
  private readonly refused = new WeakSet<Socket>();

  constructor(readonly max: number) {}

  attach(server: Server): void {
    server.on("connection", (socket: Socket) => this.admit(socket));
  }

  /** Served from the end of its body until its answer is sent. */
  track(req: IncomingMessage, res: ServerResponse): void {
    req.once("end", () => {
      if (!res.writableEnded) this.serving.add(req.socket);
    });
    res.once("close", () => this.serving.delete(req.socket));
  }

  /** This connection came past the limit while every held one was being served. */
  isRefused(socket: Socket): boolean {
    return this.refused.has(socket);
  }

  get size(): number {
    return this.open.size;
  }

  // Private

  private admit(socket: Socket): void {
    this.open.add(socket);
    socket.once("close", () => {
      this.open.delete(socket);
      this.serving.delete(socket);
    });
    if (this.open.size <= this.max) return;
    const idle = [...this.open].find((s) => s !== socket && !this.serving.has(s));
    if (idle) idle.destroy();
    else this.refused.add(socket);
  }
}
