/** A browser-like HTTP client for one origin: keeps cookies, reads Django's CSRF token from forms. */
export class HttpSession {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(path: string, init: RequestInit = {}): Promise<{ status: number; body: string; location: string | null }> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(`${this.base}${path}`, { ...init, headers, redirect: "manual", signal: AbortSignal.timeout(30_000) });
    this.remember(response);
    return { status: response.status, body: await response.text(), location: response.headers.get("location") };
  }

  get(path: string): ReturnType<HttpSession["request"]> {
    return this.request(path);
  }

  /** GETs the form page for its csrfmiddlewaretoken, then POSTs the fields (a FormData for uploads). */
  async submit(path: string, fields: Record<string, string> | FormData): Promise<{ status: number; body: string; location: string | null }> {
    const page = await this.get(path);
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no csrfmiddlewaretoken in ${path} (status ${page.status})`);
    const headers = { referer: `${this.base}${path}` };
    if (fields instanceof FormData) {
      fields.set("csrfmiddlewaretoken", token);
      return this.request(path, { method: "POST", body: fields, headers });
    }
    return this.request(path, { method: "POST", body: new URLSearchParams({ ...fields, csrfmiddlewaretoken: token }), headers });
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
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0, ...Array.from({ length: 8 }, () => [255, 0, 0]).flat()])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}
