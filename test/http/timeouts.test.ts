/**
 * Every server's header, whole-request and keep-alive timeouts (src/http/server.ts), on a real gateway with short
 * ones: connections that send their body one byte at a time to the SOAP API and to GİB's endpoint, or their
 * headers slowly, or nothing, are answered 408 and closed in the configured time, while the gateway keeps answering
 * everyone else at once.
 */
import net from 'node:net';
import { expect } from 'chai';
import { TEST_DB_KIND } from '../helpers/db';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { envelope, post, securityHeader } from '../helpers/raw-soap';

const HEADERS_MS = 600;
const REQUEST_MS = 1500;
const KEEP_ALIVE_MS = 300;
/** Node checks the first two every quarter of the shorter one here (src/http/server.ts), plus scheduling. */
const SLACK_MS = 600;

interface Probe {
  closedAfterMs: Promise<number>;
  answer(): string;
}

/** A raw connection that writes `head` at once, then one byte of `trickle` per `everyMs`, until it is closed. */
function slow(port: number, head: string, trickle: string, everyMs: number): Probe {
  const t0 = Date.now();
  let got = '';
  const s = net.connect(port, '127.0.0.1');
  let timer: NodeJS.Timeout | undefined;
  const closedAfterMs = new Promise<number>((resolve) => {
    s.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - t0);
    });
  });
  s.on('error', () => {});
  s.on('data', (d: Buffer) => {
    got += d.toString('latin1');
  });
  s.on('connect', () => {
    if (head) s.write(head);
    let i = 0;
    if (trickle) {
      timer = setInterval(() => {
        if (s.writable && i < trickle.length) s.write(trickle[i++]!);
      }, everyMs);
    }
  });
  return { closedAfterMs, answer: () => got };
}

describe(`http: timeouts of every server (${TEST_DB_KIND})`, function () {
  this.timeout(30_000);
  let gw: TestGateway;
  let port: number;

  before(async () => {
    gw = await startTestGateway({
      env: { GW_HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS), GW_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS), GW_HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS) },
    });
    port = Number(new URL(gw.url).port);
  });
  after(async () => gw.close());

  it('slow bodies (one byte a second) to /soap/gateway and /gib/EFatura are cut off with 408 in the request timeout; others are answered meanwhile', async () => {
    const call = () => envelope('<gw:GetStatusRequest><gw:ettn>00000000-0000-0000-0000-000000000000</gw:ettn></gw:GetStatusRequest>', securityHeader(gw.username, gw.password));
    const body = call();
    const probes: Probe[] = [];
    for (const path of ['/soap/gateway', '/gib/EFatura']) {
      for (let i = 0; i < 10; i++) {
        probes.push(slow(port, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n\r\n`, body, 1000));
      }
    }
    // Meanwhile the gateway answers others at once: a SOAP call and /health, every 100 ms.
    const latencies: number[] = [];
    const started = Date.now();
    while (Date.now() - started < REQUEST_MS + SLACK_MS) {
      const t = Date.now();
      const r = await post(gw.url, call());
      expect(r.code).to.equal(4301); // BELGE BULUNAMADI: answered, not stuck behind the slow ones
      const h = await fetch(`http://127.0.0.1:${port}/health`);
      expect(h.status).to.equal(200);
      latencies.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    const closed = await Promise.all(probes.map((p) => p.closedAfterMs));
    for (const [i, ms] of closed.entries()) {
      expect(ms, `connection ${i}`).to.be.within(REQUEST_MS - 50, REQUEST_MS + SLACK_MS);
      expect(probes[i]!.answer()).to.match(/^HTTP\/1\.1 408 /);
    }
    expect(Math.max(...latencies)).to.be.lessThan(500);
  });

  it('slow headers and connections that send nothing are closed in the headers timeout', async () => {
    const slowHeaders = slow(port, 'POST /soap/gateway HTTP/1.1\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaa', 100);
    const silent = slow(port, '', '', 0);
    for (const p of [slowHeaders, silent]) {
      expect(await p.closedAfterMs).to.be.within(HEADERS_MS - 50, HEADERS_MS + SLACK_MS);
      expect(p.answer()).to.match(/^HTTP\/1\.1 408 /);
    }
  });

  it('an idle kept-alive connection is closed after the keep-alive timeout (and the second Node adds)', async () => {
    const idle = slow(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', '', 0);
    const ms = await idle.closedAfterMs;
    expect(idle.answer()).to.match(/^HTTP\/1\.1 200 /);
    expect(ms).to.be.within(KEEP_ALIVE_MS, KEEP_ALIVE_MS + 1000 + SLACK_MS);
  });
});
