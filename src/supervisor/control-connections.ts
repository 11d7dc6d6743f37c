import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * How many connections a control server holds at once, from the process's open-files limit: an eighth of it,
 * 8 to 64. The rest stays for the supervisor's own work (Litestream, app pipes, S3, media, the front door).
 */
export function connectionCap(openFiles: number | undefined): number {
  return openFiles === undefined ? 64 : Math.min(64, Math.max(8, Math.floor(openFiles / 8)));
}

/**
 * Holds at most `max` connections of one server. Past it, the oldest connection still sending its request (or
 * idle between requests) is closed: a client that trickles its body cannot crowd out one that sends at once.
 * When every held connection is being served, the newcomer is answered 503 SUPERVISOR_BUSY.
 */
export class ConnectionLimit {
  private readonly open = new Set<Socket>();
  private readonly serving = new Set<Socket>();
  private readonly refused = new WeakSet<Socket>();

  constructor(readonly max: number) {}

  attach(server: Server): void {
    server.on("connection", (socket: Socket) => this.admit(socket));
  }

  /** A request arrived: its connection is served from the end of its body until its answer is sent. */
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
