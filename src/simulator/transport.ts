/**
 * The simulator's outgoing side: sendDocument calls to integrators (GİB pushes envelopes and system responses to
 * the integrator's own EFatura service, Ek-3 §7; Özel Entegrasyon Kılavuzu), and a scheduler for its delayed steps.
 * Both remember what they started, so stop() leaves no socket or timer behind.
 */
import http from 'node:http';
import https from 'node:https';
import type { Response } from 'express';
import { buildSendDocumentRequest, parseSoapMessage, soapContentType } from '../gib/protocol';

export interface SendResult {
  ok: boolean;
  /** Why it failed (HTTP status, fault, network error), for the store and logs. */
  error?: string;
  /** The EFaturaFault code the peer answered with, when it did. */
  faultCode?: number;
}

export class OutgoingHttp {
  private readonly open = new Set<http.ClientRequest>();
  private closed = false;
  /** Keep-alive: GİB pushes to the same few integrators all day; close() ends the idle sockets too. */
  private readonly agents = { http: new http.Agent({ keepAlive: true, maxSockets: 32 }), https: new https.Agent({ keepAlive: true, maxSockets: 32 }) };

  constructor(private readonly timeoutMs: number) {}

  /**
   * sendDocument(fileName, binaryData, hash) to `url`. A documentResponse is success; so is fault 2001 (ZARF ID
   * SISTEMDE MEVCUT): the peer already holds the envelope, e.g. when an earlier answer was lost on the way back.
   */
  async sendDocument(url: string, fileName: string, zip: Buffer, md5: string): Promise<SendResult> {
    const body = buildSendDocumentRequest({ fileName, binaryData: zip, hash: md5 });
    let status: number;
    let answer: Buffer;
    try {
      ({ status, body: answer } = await this.post(url, body, soapContentType('sendDocument')));
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    try {
      const msg = parseSoapMessage(answer);
      if (msg.kind === 'sendDocumentResponse' && status >= 200 && status < 300) return { ok: true };
      if (msg.kind === 'fault') {
        if (msg.code === 2001) return { ok: true, faultCode: 2001 };
        return { ok: false, error: `fault ${msg.code ?? msg.soapCode}: ${msg.msg ?? msg.reason}`, ...(msg.code !== undefined ? { faultCode: msg.code } : {}) };
      }
      return { ok: false, error: `HTTP ${status}, unexpected answer ${msg.kind}` };
    } catch (err) {
      return { ok: false, error: `HTTP ${status}, unreadable answer: ${(err as Error).message}` };
    }
  }

  private post(url: string, body: Buffer, contentType: string): Promise<{ status: number; body: Buffer }> {
    if (this.closed) return Promise.reject(new Error('simulator stopped'));
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const agent = secure ? this.agents.https : this.agents.http;
      const req = (secure ? https : http).request(u, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      this.open.add(req);
      req.on('close', () => this.open.delete(req));
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.closed = true;
    for (const req of this.open) req.destroy(new Error('simulator stopped'));
    this.open.clear();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** setTimeout with bookkeeping: every pending timer and running task is known, and stop() ends them. */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly onError: (err: unknown) => void) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  after(ms: number, task: () => Promise<void> | void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopped) return;
      const p: Promise<void> = Promise.resolve()
        .then(task)
        .catch(this.onError)
        .finally(() => this.running.delete(p));
      this.running.add(p);
    }, Math.max(0, ms));
    this.timers.add(t);
  }

  /** Pending timers are dropped; running tasks are awaited (their HTTP calls are aborted by OutgoingHttp.close). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  /** Waits until no timer is pending and no task runs (tests use it to let the machine settle). */
  async idle(timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.timers.size === 0 && this.running.size === 0) return true;
      await new Promise((r) => setTimeout(r, 5));
    }
    return false;
  }
}

/**
 * Calls answered with silence (fault injection's "timeouts", for each of GİB's services): the connection is dropped
 * after `ms`, or when the caller gives up, or at stop().
 */
export class HeldRequests {
  readonly #timers = new Set<NodeJS.Timeout>();

  hold(res: Response, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      res.socket?.destroy();
    }, ms);
    this.#timers.add(t);
    res.on('close', () => {
      clearTimeout(t);
      this.#timers.delete(t);
    });
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
