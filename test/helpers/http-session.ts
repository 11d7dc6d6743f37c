import { frontRequest } from "./front-door.js";

/** A domain served by the front door: requests go to 127.0.0.1:port with the domain as Host (HTTPS if a CA is given). */
export interface FrontDoorTarget {
  host: string;
  port: number;
  ca?: string;
}

type Reply = { status: number; body: string; location: string | null; contentType: string | null; bytes: Buffer };

/**
 * A browser-like HTTP client for one origin: keeps cookies, reads Django's CSRF token from forms. The origin
 * is a base URL (fetched directly) or a domain behind the front door.
 */
export class HttpSession {
  private readonly cookies = new Map<string, string>();
  private readonly base: string;

  constructor(private readonly origin: string | FrontDoorTarget) {
    this.base =
      typeof origin === "string"
        ? origin
        : `${origin.ca === undefined ? "http" : "https"}://${origin.host}:${origin.port}`;
  }

  private remember(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(path: string, init: RequestInit = {}): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (typeof this.origin !== "string") return this.viaFrontDoor(this.origin, path, init, headers);
    const response = await fetch(`${this.base}${path}`, {
      ...init,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(30_000),
    });
    this.remember(response.headers.getSetCookie());
    const bytes = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      body: bytes.toString(),
      bytes,
      location: response.headers.get("location"),
      contentType: response.headers.get("content-type"),
    };
  }

  /** fetch() will not send a Host header of our choosing, so requests to the front door go through node:http(s). */
  private async viaFrontDoor(
    target: FrontDoorTarget,
    path: string,
    init: RequestInit,
    headers: Headers,
  ): Promise<Reply> {
    let body: Buffer | undefined;
    if (init.body !== undefined && init.body !== null) {
      // Let the Fetch API encode the body (multipart boundary included), as a browser would.
      const encoded = new Request("http://encoder.invalid/", { method: "POST", body: init.body });
      body = Buffer.from(await encoded.arrayBuffer());
      const type = encoded.headers.get("content-type");
      if (type && !headers.has("content-type")) headers.set("content-type", type);
      headers.set("content-length", String(body.length));
    }
    const answer = await frontRequest({
      ...target,
      path,
      method: init.method ?? "GET",
      headers: Object.fromEntries(headers),
      ...(body === undefined ? {} : { body }),
    });
    const setCookie = answer.headers["set-cookie"];
    this.remember(setCookie === undefined ? [] : [setCookie].flat());
    const header = (name: string) => [answer.headers[name]].flat()[0] ?? null;
    return {
      status: answer.status,
      body: answer.body,
      bytes: answer.bytes,
      location: header("location"),
      contentType: header("content-type"),
    };
  }

  get(path: string): ReturnType<HttpSession["request"]> {
    return this.request(path);
  }

  /** GETs the form page for its csrfmiddlewaretoken, then POSTs the fields (a FormData for uploads). */
  async submit(path: string, fields: Record<string, string> | FormData): Promise<Reply> {
    const page = await this.get(path);
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no csrfmiddlewaretoken in ${path} (status ${page.status})`);
    // What a browser sends with a same-origin form POST; Django checks both against the Host and the scheme.
    const headers = { origin: this.base, referer: `${this.base}${path}` };
    if (fields instanceof FormData) {
      fields.set("csrfmiddlewaretoken", token);
      return this.request(path, { method: "POST", body: fields, headers });
    }
    return this.request(path, {
      method: "POST",
      body: new URLSearchParams({ ...fields, csrfmiddlewaretoken: token }),
      headers,
    });
  }
}

/** An 8×8 red PNG, made here so the test needs no binary fixture. */
export async function redPng(): Promise<Buffer> {
  const { deflateSync, crc32 } = await import("node:zlib");
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(8, 0);
  header.writeUInt32BE(8, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(
    Array.from({ length: 8 }, () => Buffer.from([0, ...Array.from({ length: 8 }, () => [255, 0, 0]).flat()])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
