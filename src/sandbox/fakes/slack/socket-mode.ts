import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { isRec, type Rec } from './wire.js';

/**
 * Slack's side of Socket Mode: `apps.connections.open` hands out a one-use WebSocket URL; a client that connects
 * with it gets `hello`, then envelopes (`events_api`, `interactive`, `slash_commands`) that it must acknowledge by
 * sending back `{ envelope_id, payload }`. Slack asks clients to reconnect with a `disconnect` message before it
 * recycles a server; {@link SocketModeServer.refresh} does the same.
 */

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';

export interface EnvelopeAck {
  /** What the app put in its acknowledgement (a view submission's `response_action`, suggestion options…). */
  payload: Rec;
  elapsedMs: number;
}

interface PendingAck {
  resolve: (payload: Rec) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** How long a socket URL from `apps.connections.open` stays usable. */
const TICKET_TTL_MS = 30_000;
const PING_INTERVAL_MS = 10_000;

export class SocketModeServer {
  /** Connections ever accepted (a reconnect adds one). */
  connectionsOpened = 0;
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly tickets = new Map<string, number>();
  private readonly open = new Set<WebSocket>();
  private readonly pending = new Map<string, PendingAck>();
  private closed = false;

  constructor(private readonly options: { appId: string; now: () => number; ackTimeoutMs?: number }) {}

  /** A fresh URL for one connection, as `apps.connections.open` answers. */
  issueUrl(httpBase: string): string {
    const ticket = randomUUID();
    this.tickets.set(ticket, this.options.now());
    const base = httpBase.replace(/^http/, 'ws');
    return `${base}/link/?ticket=${ticket}&app_id=${this.options.appId}`;
  }

  /** Takes over an HTTP upgrade request on `/link/`; refuses it when the ticket is unknown, used or stale. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issuedAt = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (
      url.pathname !== '/link/' ||
      issuedAt === undefined ||
      this.options.now() - issuedAt > TICKET_TTL_MS
    ) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
  }

  /** Open connections. */
  get connections(): number {
    return [...this.open].filter((ws) => ws.readyState === ws.OPEN).length;
  }

  private accept(ws: WebSocket): void {
    this.open.add(ws);
    this.connectionsOpened += 1;
    const ping = setInterval(() => ws.ping(), PING_INTERVAL_MS);
    ping.unref();
    ws.on('message', (data) => this.onMessage(data));
    ws.on('close', () => {
      clearInterval(ping);
      this.open.delete(ws);
    });
    ws.on('error', () => ws.terminate());
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open.size,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: this.options.appId },
      }),
    );
  }

  private onMessage(data: RawData): void {
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (!isRec(message) || typeof message.envelope_id !== 'string') return;
    const waiting = this.pending.get(message.envelope_id);
    if (!waiting) return;
    this.pending.delete(message.envelope_id);
    clearTimeout(waiting.timer);
    waiting.resolve(isRec(message.payload) ? message.payload : {});
  }

  /**
   * Sends one envelope over the newest open connection (waiting briefly for one while a client reconnects) and
   * resolves with the app's acknowledgement.
   */
  async deliver(type: EnvelopeType, payload: Rec): Promise<EnvelopeAck> {
    const ws = await this.connection();
    const envelopeId = randomUUID();
    const started = performance.now();
    const acked = new Promise<Rec>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`no acknowledgement of ${type} envelope ${envelopeId}`));
      }, this.options.ackTimeoutMs ?? 15_000);
      this.pending.set(envelopeId, { resolve, reject, timer });
    });
    ws.send(
      JSON.stringify({
        envelope_id: envelopeId,
        payload,
        type,
        accepts_response_payload: type !== 'events_api',
        retry_attempt: 0,
        retry_reason: '',
      }),
    );
    const ack = await acked;
    return { payload: ack, elapsedMs: performance.now() - started };
  }

  private async connection(): Promise<WebSocket> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.closed) throw new Error('Socket Mode is closed');
      const ws = [...this.open].reverse().find((candidate) => candidate.readyState === candidate.OPEN);
      if (ws) return ws;
      if (Date.now() > deadline) throw new Error('no Socket Mode connection is open');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Tells every client to reconnect, as Slack does before it recycles a server, and closes the old connections a
   * moment later.
   */
  refresh(reason = 'refresh_requested'): void {
    for (const ws of this.open) {
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
      setTimeout(() => ws.close(1000), 500).unref();
    }
  }

  close(): void {
    this.closed = true;
    for (const ws of this.open) ws.terminate();
    this.open.clear();
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`Socket Mode closed before envelope ${id} was acknowledged`));
    }
    this.pending.clear();
    this.server.close();
  }
}
