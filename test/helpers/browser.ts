import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import type { Readable, Writable } from "node:stream";
import { chromiumBinary } from "./tools.js";

type Message = {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
};

const launched = new Set<ChildProcess>();

/**
 * Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no
 * dependency): a real browser that follows redirects, keeps cookies and renders the page.
 */
export class Browser {
  private nextId = 1;
  private buffer = "";
  private readonly waiting = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    const out = child.stdio[4] as Readable;
    out.on("data", (chunk: Buffer) => this.receive(chunk.toString()));
    child.once("exit", () => {
      for (const w of this.waiting.values()) w.reject(new Error("chromium exited"));
      this.waiting.clear();
    });
  }

  /** `hostRules`: e.g. "MAP status.test 127.0.0.1", so the page's real host name reaches the loopback Caddy. */
  static launch(options: { userDataDir: string; hostRules: string }): Browser {
    const args = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--hide-scrollbars",
      "--ignore-certificate-errors",
      `--host-resolver-rules=${options.hostRules}`,
      `--user-data-dir=${options.userDataDir}`,
      "--remote-debugging-pipe",
      "about:blank",
    ];
    const child = spawn(chromiumBinary(), args, { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });
    launched.add(child);
    child.once("exit", () => launched.delete(child));
    return new Browser(child);
  }

  /** A new tab, attached (its commands carry its session id). */
  async newPage(): Promise<Page> {
    const { targetId } = (await this.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await this.send("Target.attachToTarget", { targetId, flatten: true })) as {
      sessionId: string;
    };
    const page = new Page(this, sessionId);
    await page.send("Page.enable");
    return page;
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const reply = new Promise<Message>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    (this.child.stdio[3] as Writable).write(
      `${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`,
    );
    return reply.then((m) => {
      if (m.error) throw new Error(`${method}: ${m.error.message}`);
      return m.result ?? {};
    });
  }

  /** The next event of this name (for this session), within `timeoutMs`. */
  event(method: string, sessionId: string, timeoutMs = 30_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const listener = (m: Message) => {
        if (m.method !== method || m.sessionId !== sessionId) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(m);
      };
      this.listeners.push(listener);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) =>
      this.child.exitCode === null ? this.child.once("exit", resolve) : resolve(undefined),
    );
    await this.send("Browser.close").catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }

  private receive(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf("\0")) >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end)) as Message;
      this.buffer = this.buffer.slice(end + 1);
      if (message.id !== undefined) this.waiting.get(message.id)?.resolve(message);
      if (message.id !== undefined) this.waiting.delete(message.id);
      else for (const listener of [...this.listeners]) listener(message);
    }
  }
}

export class Page {
  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {}

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Runs `action` (a navigation, a form submit) and waits for the page it leads to to load. */
  async loading(action: () => Promise<unknown>): Promise<void> {
    const loaded = this.browser.event("Page.loadEventFired", this.sessionId);
    await action();
    await loaded;
  }

  goto(url: string): Promise<void> {
    return this.loading(() => this.send("Page.navigate", { url }));
  }

  async evaluate<T>(expression: string): Promise<T> {
    const reply = (await this.send("Runtime.evaluate", { expression, returnByValue: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string };
    };
    if (reply.exceptionDetails) throw new Error(`evaluate: ${reply.exceptionDetails.text}`);
    return reply.result.value;
  }

  /** Types into the page's password field and submits its form, as a user would. */
  logIn(password: string): Promise<void> {
    return this.loading(() =>
      this.evaluate(
        `(() => { const f = document.querySelector("form"); f.password.value = ${JSON.stringify(password)}; f.requestSubmit(); })()`,
      ),
    );
  }

  /** A PNG of the whole page at `width` CSS pixels. */
  async screenshot(file: string, width = 1000): Promise<Buffer> {
    const height = await this.evaluate<number>("document.documentElement.scrollHeight");
    await this.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    const { data } = (await this.send("Page.captureScreenshot", { format: "png" })) as { data: string };
    const png = Buffer.from(data, "base64");
    await writeFile(file, png);
    return png;
  }
}

/** afterAll: no browser outlives its test file. */
export function killBrowsers(): void {
  for (const child of launched) child.kill("SIGKILL");
}
