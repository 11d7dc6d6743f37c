/** Where a LiteFS replica's front door sends requests that can write (docs/litefs.md). */
export interface WriteRoute {
  /** http(s)://HOST[:PORT]; undefined while the primary is unknown (writes get a 503). */
  target: string | undefined;
  /** Forwarded whatever the method: the admin's reads should see the newest data. */
  paths: string[];
}

type Json = Record<string, unknown>;

const READ_METHODS = ["GET", "HEAD", "OPTIONS"];

function dialOf(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

function noPrimary(): Json {
  return {
    handler: "static_response",
    status_code: 503,
    headers: { "Retry-After": ["5"], "Content-Type": ["text/plain; charset=utf-8"], "Cache-Control": ["no-store"] },
    body: "503 Service Unavailable: this is a read replica and the primary is not known right now; try again in a few seconds.\n",
  };
}

// On a LiteFS replica, anything that can write goes to the primary's front door; Host passes
// through unchanged so the primary picks the same app.
export function writeRoute(route: WriteRoute, maxBodyBytes: number): Json {
  const match = [
    { not: [{ method: READ_METHODS }] },
    ...(route.paths.length > 0
      ? [{ path: route.paths.flatMap((p) => (p.endsWith("/") ? [p.slice(0, -1), `${p}*`] : [p, `${p}/*`])) }]
      : []),
  ];
  if (route.target === undefined) return { match, handle: [noPrimary()], terminal: true };
  const url = new URL(route.target);
  return {
    match,
    handle: [
      { handler: "request_body", max_size: maxBodyBytes },
      {
        handler: "reverse_proxy",
        upstreams: [{ dial: dialOf(url) }],
        ...(url.protocol === "https:" ? { transport: { protocol: "http", tls: { server_name: url.hostname } } } : {}),
        headers: { request: { set: { "X-Hostctl-Forwarded-By": ["litefs-replica"] } } },
      },
    ],
    terminal: true,
  };
}
