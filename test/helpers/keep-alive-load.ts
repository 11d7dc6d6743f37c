import { Agent, request } from "node:https";
import { connect, constants, type ClientHttp2Session } from "node:http2";
import { connect as tlsConnect } from "node:tls";

/** One failed request: when (ms since the load started), which client, method, and on which use of its connection. */
export interface KeepAliveFailure {
  at: number;
  client: string;
  method: "GET" | "POST";
  /** The connection had answered requests before this one (a kept-alive connection, not a new one). */
  reused: boolean;
  error: string;
}

export interface KeepAliveResult {
  requests: number;
  failures: KeepAliveFailure[];
  /** Bodies of the writes the app acknowledged (201). */
  acknowledged: string[];
  /** Connections each client opened in all: 1 each when no connection was ever closed under it. */
  connections: Record<string, number>;
}

interface Target {
  host: string;
  port: number;
  ca: string;
}

type Send = (
  method: "GET" | "POST",
  path: string,
  body: string | undefined,
) => Promise<{ status: number; reused: boolean }>;

/** An HTTP/1.1 client with one kept-alive TLS connection (Node's agent, as API clients and uptime checkers use it). */
function http1Client(target: Target, opened: () => void): { send: Send; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: target.ca, servername: target.host });
  const send: Send = (method, path, body) =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: target.port,
          path,
          method,
          agent,
          headers: {
            Host: `${target.host}:${target.port}`,
            ...(body === undefined ? {} : { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) }),
          },
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
          res.on("error", (error) => reject(Object.assign(error, { reused: req.reusedSocket })));
        },
      );
      req.on("socket", () => {
        if (!req.reusedSocket) opened();
      });
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (error) => reject(Object.assign(error, { reused: req.reusedSocket })));
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/** An HTTP/2 client: one session, opened again only when the server closes it. */
function http2Client(target: Target, opened: () => void): { send: Send; close: () => void } {
  let session: ClientHttp2Session | undefined;
  let used = false;
  const current = (): ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    opened();
    used = false;
    // The domain's name for TLS (SNI, verification) and :authority; the connection itself to 127.0.0.1.
    const next = connect(`https://${target.host}:${target.port}`, {
      createConnection: () =>
        tlsConnect({
          host: "127.0.0.1",
          port: target.port,
          servername: target.host,
          ca: target.ca,
          ALPNProtocols: ["h2"],
        }),
    });
    next.on("error", () => undefined);
    session = next;
    return next;
  };
  const send: Send = (method, path, body) =>
    new Promise((resolve, reject) => {
      const s = current();
      const reused = used;
      used = true;
      const stream = s.request({
        [constants.HTTP2_HEADER_METHOD]: method,
        [constants.HTTP2_HEADER_PATH]: path,
        [constants.HTTP2_HEADER_AUTHORITY]: `${target.host}:${target.port}`,
        ...(body === undefined ? {} : { "content-type": "text/plain", "content-length": Buffer.byteLength(body) }),
      });
      let status = 0;
      stream.setTimeout(30_000, () => stream.close(constants.NGHTTP2_CANCEL));
      stream.on("response", (headers) => (status = Number(headers[constants.HTTP2_HEADER_STATUS])));
      stream.on("data", () => undefined);
      stream.on("end", () => resolve({ status, reused }));
      stream.on("error", (error: Error) => reject(Object.assign(error, { reused })));
      stream.on("close", () => {
        if (status === 0) reject(Object.assign(new Error(`stream closed (code ${stream.rstCode})`), { reused }));
      });
      stream.end(body);
    });
  return { send, close: () => session?.close() };
}

/**
 * Keep-alive clients through the front door (HTTPS, the host's CA): `http1` HTTP/1.1 connections and `http2`
 * HTTP/2 sessions, each a loop of GET / and POST /rows with a body, until stop() once `minRequests` were made
 * (or `maxRequests` in all). Any status but 2xx, or any network error, is a failed request.
 */
export function startKeepAliveLoad(
  target: Target,
  options: { http1: number; http2: number; minRequests: number; maxRequests: number },
): { stop: () => Promise<KeepAliveResult> } {
  let stopping = false;
  const started = Date.now();
  const result: KeepAliveResult = { requests: 0, failures: [], acknowledged: [], connections: {} };
  const loop = async (
    name: string,
    make: (target: Target, opened: () => void) => { send: Send; close: () => void },
  ) => {
    result.connections[name] = 0;
    const client = make(target, () => (result.connections[name] = (result.connections[name] ?? 0) + 1));
    for (
      let i = 0;
      result.requests < options.maxRequests && !(stopping && result.requests >= options.minRequests);
      i++
    ) {
      result.requests += 1;
      const method = i % 2 === 1 ? "POST" : "GET";
      const body = method === "POST" ? `${name}-${i}` : undefined;
      try {
        const answer = await client.send(method, method === "POST" ? "/rows" : "/", body);
        if (answer.status < 200 || answer.status >= 300)
          result.failures.push({
            at: Date.now() - started,
            client: name,
            method,
            reused: answer.reused,
            error: `status ${answer.status}`,
          });
        else if (body !== undefined) result.acknowledged.push(body);
      } catch (error) {
        const e = error as Error & { code?: string; reused?: boolean };
        result.failures.push({
          at: Date.now() - started,
          client: name,
          method,
          reused: e.reused ?? false,
          error: e.code ?? e.message,
        });
      }
    }
    client.close();
  };
  const loops = [
    ...Array.from({ length: options.http1 }, (_, i) => loop(`h1-${i}`, http1Client)),
    ...Array.from({ length: options.http2 }, (_, i) => loop(`h2-${i}`, http2Client)),
  ];
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      return result;
    },
  };
}
