import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The shared machinery of the local Slack, Stripe and Jira fakes: an HTTP server on loopback that records every
 * request it receives and can be told to misbehave (latency, rate limits, server errors, custom answers), so tests
 * and benchmarks can drive the real SDKs against it.
 */

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/customers` or `/api/chat.postMessage`. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The body as UTF-8 text (every API these fakes speak is text), and its exact bytes (for file uploads). */
  rawBody: string;
  rawBytes: Buffer;
  receivedAt: number;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is already a string. */
  body?: unknown;
}

export interface Fault {
  /** Which requests the fault applies to; all when omitted. */
  match?: (request: RecordedRequest) => boolean;
  /** How many matching requests it affects; unlimited when omitted. */
  times?: number;
  /** Share of matching requests it affects (0..1), decided per request; 1 when omitted. */
  probability?: number;
  /** Extra latency before answering (or before passing through when no response is given). */
  delayMs?: number;
  /** The answer to give instead of the normal one; with only `delayMs`, the request then proceeds normally. */
  response?: FakeResponse;
  /**
   * Run the normal handler first, then answer with `response` (e.g. Jira creates the issue, then the client
   * times out). Only meaningful with `response` or `delayMs`.
   */
  afterHandling?: boolean;
}

export interface HttpFakeOptions {
  /** Latency added to every request, in milliseconds. */
  latencyMs?: number;
  /** Deterministic random source for probabilistic faults (tests pass a seeded one). */
  random?: () => number;
}

export abstract class HttpFake {
  readonly requests: RecordedRequest[] = [];
  latencyMs: number;
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  private baseUrl: string | undefined;
  private readonly random: () => number;

  constructor(options: HttpFakeOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.random = options.random ?? Math.random;
  }

  /** Answers one request; implemented by each fake. */
  protected abstract handle(request: RecordedRequest): Promise<FakeResponse> | FakeResponse;

  /** Answers a WebSocket upgrade request; fakes that speak no WebSocket refuse it. */
  protected upgrade(_request: IncomingMessage, socket: Duplex, _head: Buffer): void {
    socket.destroy();
  }

  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.constructor.name} is not started`);
    return this.baseUrl;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(error) }));
        }
      });
    });
    server.keepAliveTimeout = 60_000;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.server = server;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Adds a fault; returns a function that removes it. */
  inject(fault: Fault): () => void {
    this.faults.push(fault);
    return () => {
      const index = this.faults.indexOf(fault);
      if (index >= 0) this.faults.splice(index, 1);
    };
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Forgets recorded requests (state of the fake's resources is left alone). */
  clearRequests(): void {
    this.requests.length = 0;
  }

  private pickFault(request: RecordedRequest): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.times !== undefined && fault.times <= 0) continue;
      if (fault.match && !fault.match(request)) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      if (fault.times !== undefined) fault.times -= 1;
      return fault;
    }
    return undefined;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBytes = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake.local');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      rawBody: rawBytes.toString('utf8'),
      rawBytes,
      receivedAt: Date.now(),
    };
    this.requests.push(request);

    const fault = this.pickFault(request);
    if (this.latencyMs > 0) await sleep(this.latencyMs);

    let response: FakeResponse;
    if (fault?.afterHandling) {
      // The request takes effect, then the answer is late or replaced (e.g. the client times out after Jira acted).
      response = await this.handle(request);
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.response) response = fault.response;
    } else {
      if (fault?.delayMs) await sleep(fault.delayMs);
      response = fault?.response ?? (await this.handle(request));
    }
    send(res, response);
  }
}

function send(res: ServerResponse, response: FakeResponse): void {
  const isText = typeof response.body === 'string' || response.body instanceof Buffer;
  const payload = response.body === undefined ? '' : isText ? response.body : JSON.stringify(response.body);
  const headers: Record<string, string> = {
    ...(isText ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    ...response.headers,
  };
  res.writeHead(response.status, headers);
  res.end(payload);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a request body the way its content type says: JSON, form-encoded, or nothing. */
export function parseFormOrJson(request: RecordedRequest): Record<string, unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!request.rawBody) return {};
  if (type.includes('application/json')) {
    return JSON.parse(request.rawBody) as Record<string, unknown>;
  }
  return Object.fromEntries(new URLSearchParams(request.rawBody));
}
