import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * A minimal Chrome DevTools Protocol client over `--remote-debugging-pipe`: Chromium reads
 * NUL-terminated JSON commands on its fd 3 and writes replies and events on its fd 4. It needs no
 * WebSocket (Node 20 has none built in) and no browser-driving library, which would bring its own
 * browser download that this project's machines cannot fetch; Debian's `chromium` is enough.
 *
 * A host tool for checking the pages refka writes (`bin/check-pages.ts`), never part of a run: it
 * lives under `bin/`, outside the folders the determinism tests hold to the simulator's rules.
 */
export class Browser {
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<number, { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }>();
  private readonly waiters: { method: string; sessionId: string; resolve: () => void }[] = [];
  private readonly stderr: string[] = [];
  /** Set once the browser cannot be talked to; every later command fails with it. */
  private failure: Error | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly input: Writable,
  ) {}

  /** Starts `executable` headless; `--no-sandbox` because CI runs as root, where the sandbox refuses to start. */
  static launch(executable: string): Browser {
    const child = spawn(
      executable,
      ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--remote-debugging-pipe', 'about:blank'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const input = child.stdio[3] as Writable;
    const output = child.stdio[4] as Readable;
    const browser = new Browser(child, input);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (browser.stderr.length < 200) browser.stderr.push(chunk);
    });
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => browser.receive(chunk));
    input.on('error', (error) => browser.failAll(new Error(`${executable} closed its DevTools pipe: ${error.message}`)));
    child.on('error', (error) => browser.failAll(new Error(`cannot run ${executable}: ${error.message}`)));
    child.on('exit', (code) => browser.failAll(new Error(`${executable} exited with ${code}: ${browser.stderr.join('').slice(0, 2000)}`)));
    return browser;
  }

  /** Sends one command (to a page's session when `sessionId` is given) and resolves with its result. */
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) });
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.pending.set(id, { resolve, reject });
      this.input.write(`${message}\0`);
    });
  }

  /** Resolves at the next event `method` of the session. */
  waitFor(method: string, sessionId: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ method, sessionId, resolve }));
  }

  /** Opens `url` in a new page of `width` x `height` CSS pixels, once its load event fired. */
  async open(url: string, width: number, height: number): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    await this.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    await this.send('Page.enable', {}, sessionId);
    const loaded = this.waitFor('Page.loadEventFired', sessionId);
    await this.send('Page.navigate', { url }, sessionId);
    await loaded;
    return new Page(this, sessionId);
  }

  async close(): Promise<void> {
    // A browser that never started (no such executable) or already exited has nothing to close.
    if (this.child.pid === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.send('Browser.close').catch(() => ({}));
    await exited;
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
      const message = JSON.parse(this.buffer.slice(0, end)) as {
        id?: number;
        method?: string;
        sessionId?: string;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      this.buffer = this.buffer.slice(end + 1);
      if (message.id !== undefined) {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) waiting?.reject(new Error(message.error.message));
        else waiting?.resolve(message.result ?? {});
      } else if (message.method !== undefined) {
        const index = this.waiters.findIndex((waiter) => waiter.method === message.method && waiter.sessionId === message.sessionId);
        if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve();
      }
    }
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/** One open page. */
export class Page {
  constructor(
    private readonly browser: Browser,
    private readonly sessionId: string,
  ) {}

  /** Evaluates `expression` in the page and returns its value (JSON-serialisable values only). */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = (await this.browser.send('Runtime.evaluate', { expression, returnByValue: true }, this.sessionId)) as {
      result: { value?: T };
      exceptionDetails?: { text: string };
    };
    if (reply.exceptionDetails !== undefined) throw new Error(`in the page: ${reply.exceptionDetails.text}`);
    return reply.result.value as T;
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Buffer> {
    const { data } = (await this.browser.send('Page.captureScreenshot', { format: 'png' }, this.sessionId)) as { data: string };
    return Buffer.from(data, 'base64');
  }
}
