import { chmod, mkdir, rm } from "node:fs/promises";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { HostctlError } from "../lib/errors.js";

/** Longest path a Unix socket can have on Linux (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;
const RETRY_MS = 50;

interface Route {
  server: Server;
  /** The live release's loopback port; undefined while the app has none. */
  port: number | undefined;
}

// Each Caddy connection is spliced to the port live when it arrives, so a switch is one assignment.
// Caddy opens one per request, so a port's connections are exactly what the old release drains.
export class UpstreamRelay {
  private readonly routes = new Map<string, Route>();
  private readonly open = new Map<number, number>();
  private readonly held = new Set<Socket>();

  constructor(
    private readonly dir: string,
    /** How long a connection waits for the live port to accept (a web restarting). */
    private readonly holdMs: number,
  ) {}

  /** The socket Caddy dials for the app (created on first use; 0600 in a 0700 directory). */
  async socketFor(app: string): Promise<string> {
    const path = this.socketPath(app);
    if (this.routes.has(app)) return path;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // A socket left by an earlier `up` would refuse listen(); the home lock allows one supervisor.
    await rm(path, { force: true });
    const route: Route = { server: createServer({ allowHalfOpen: true, pauseOnConnect: true }), port: undefined };
    route.server.on("connection", (down: Socket) => this.relay(route, down, Date.now()));
    await new Promise<void>((resolve, reject) => {
      route.server.once("error", reject);
      route.server.listen(path, () => resolve());
    });
    await chmod(path, 0o600);
    this.routes.set(app, route);
    return path;
  }

  /** The switch: connections arriving from now on go to the port (undefined: none is live). */
  point(app: string, port: number | undefined): void {
    const route = this.routes.get(app);
    if (route) route.port = port;
  }

  /** Connections relayed to the port and still open: the requests in flight there. */
  connectionsTo(port: number): number {
    return this.open.get(port) ?? 0;
  }

  /** Connections waiting for their app's port to accept. */
  heldConnections(): number {
    return this.held.size;
  }

  /** Stops listening for removed apps; connections already relayed finish on their own. */
  retain(apps: ReadonlySet<string>): void {
    void this.closeWhere((app) => !apps.has(app));
  }

  async close(): Promise<void> {
    await this.closeWhere(() => true);
  }

  /** Where the app's socket is (whether or not it listens yet). */
  socketPath(app: string): string {
    const path = join(this.dir, `${app}.sock`);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH)
      throw new HostctlError(
        "CONFIG_INVALID",
        `the proxy's socket for ${app} would be longer than ${MAX_SOCKET_PATH} bytes: ${path}`,
        {
          hint: "use a shorter HOSTCTL_HOME (or app name)",
          exitCode: 2,
        },
      );
    return path;
  }

  // Private

  private async closeWhere(drop: (app: string) => boolean): Promise<void> {
    const servers = [...this.routes].filter(([app]) => drop(app));
    for (const [app] of servers) this.routes.delete(app);
    await Promise.all(servers.map(([, route]) => new Promise((resolve) => route.server.close(resolve))));
  }

  /** Retries while the port refuses (or none is live) for up to holdMs; Caddy's bytes wait. */
  private relay(route: Route, down: Socket, since: number): void {
    const port = route.port;
    if (port === undefined) {
      this.retryOrDrop(route, down, since);
      return;
    }
    this.open.set(port, this.connectionsTo(port) + 1);
    let counted = true;
    const release = () => {
      if (counted) this.open.set(port, this.connectionsTo(port) - 1);
      counted = false;
    };
    const up = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const refused = (error: NodeJS.ErrnoException) => {
      release();
      if (error.code === "ECONNREFUSED" && !down.destroyed) this.retryOrDrop(route, down, since);
      else down.destroy();
    };
    up.once("error", refused);
    up.once("connect", () => {
      up.off("error", refused);
      this.held.delete(down);
      // Half-closes pass on, so a response the app ended is never cut; an error
      // or close on one side ends the other at once.
      up.on("error", () => down.destroy());
      down.on("error", () => up.destroy());
      down.on("close", () => up.destroy());
      up.on("close", release);
      down.pipe(up);
      up.pipe(down);
    });
  }

  private retryOrDrop(route: Route, down: Socket, since: number): void {
    if (!this.held.has(down)) {
      this.held.add(down);
      down.once("close", () => this.held.delete(down));
    }
    if (Date.now() - since >= this.holdMs) {
      down.destroy();
      return;
    }
    setTimeout(() => this.relay(route, down, since), RETRY_MS);
  }
}
