/**
 * The SOAP endpoints' body reader (src/http/body.ts) over real loopback HTTP: one buffer of the declared length,
 * chunked and compressed bodies, the limit (after inflation) answered only after the rest was read, broken input.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { DRAIN_BUDGET, readBody, type BodyError } from '../../src/http/body';

describe('http: readBody', () => {
  let server: http.Server;
  let url: string;
  const LIMIT = 64 * 1024;

  /** Bytes the inspector saw, per request (the `refuse-after` header: refuse once this many have arrived). */
  let inspected = 0;
  let lastSocket: import('node:net').Socket | null = null;

  before(async () => {
    server = http.createServer({ keepAliveTimeout: 200 }, (req, res) => {
      const refuseAfter = Number(req.headers['refuse-after'] ?? Number.POSITIVE_INFINITY);
      inspected = 0;
      lastSocket = req.socket;
      const inspect = (chunk: Buffer) => {
        inspected += chunk.length;
        if (inspected >= refuseAfter) throw Object.assign(new Error('refused'), { type: 'refused', status: 500 });
      };
      readBody(req, req.headers['refuse-after'] ? 100 * 1024 * 1024 : LIMIT, inspect, res).then(
        (b) => res.end(JSON.stringify({ ok: true, length: b.length, head: b.toString('latin1', 0, 16) })),
        (e: BodyError) => res.writeHead(e.status).end(JSON.stringify({ ok: false, type: e.type })),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function send(body: Buffer | Buffer[], headers: Record<string, string> = {}, agent: http.Agent | false = false) {
    return new Promise<{ status: number; json: any }>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      req.on('error', reject);
      for (const b of [body].flat()) req.write(b);
      req.end();
    });
  }

  it('a body with Content-Length, in many chunks, into one buffer', async () => {
    const parts = Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000, 0x41 + (i % 26)));
    const r = await send(parts, { 'content-length': '40000' });
    expect(r.json).to.deep.equal({ ok: true, length: 40000, head: 'A'.repeat(16) });
  });

  it('a chunked body, and a gzip one, inflated under the limit', async () => {
    expect((await send([Buffer.from('<a>'), Buffer.from('</a>')])).json).to.include({ ok: true, length: 7 });
    const z = gzipSync(Buffer.alloc(50_000, 0x20));
    expect((await send(z, { 'content-encoding': 'gzip', 'content-length': String(z.length) })).json).to.include({ ok: true, length: 50_000 });
  });

  it('over the limit → 413 entity.too.large: declared, chunked, or once inflated (a bomb)', async () => {
    expect(await send(Buffer.alloc(LIMIT + 1), { 'content-length': String(LIMIT + 1) })).to.deep.equal({ status: 413, json: { ok: false, type: 'entity.too.large' } });
    expect((await send([Buffer.alloc(LIMIT), Buffer.alloc(10)])).json.type).to.equal('entity.too.large');
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(await send(bomb, { 'content-encoding': 'gzip' })).to.deep.equal({ status: 413, json: { ok: false, type: 'entity.too.large' } });
  });

  it('a body the inspector refuses: answered at once; the rest read and dropped up to the budget, past it not read at all', async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      // Within the budget: drained behind the answer, and the kept-alive connection serves the next request.
      const small = Buffer.alloc(DRAIN_BUDGET / 2, 0x61);
      expect(await send(small, { 'refuse-after': '1', 'content-length': String(small.length) }, agent)).to.deep.equal({ status: 500, json: { ok: false, type: 'refused' } });
      expect((await send(Buffer.from('<a/>'), { 'content-length': '4' }, agent)).json).to.include({ ok: true, length: 4 });
      // Past it: the answer arrives while the client still sends; the server stops reading (TCP holds the client).
      const big = Buffer.alloc(64 * 1024 * 1024, 0x61);
      const t0 = Date.now();
      const r = await new Promise<{ status: number; ms: number }>((resolve) => {
        const req = http.request(url, { method: 'POST', agent, headers: { 'refuse-after': '1', 'content-length': String(big.length) } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, ms: Date.now() - t0 }));
        });
        req.on('error', () => {}); // the connection is closed under the unfinished upload, after the answer
        req.end(big);
      });
      expect(r.status).to.equal(500);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(inspected).to.be.greaterThan(0);
      expect(lastSocket!.bytesRead).to.be.lessThan(DRAIN_BUDGET); // of the 64 MB sent
    } finally {
      agent.destroy();
    }
  });

  it('a broken gzip stream → 400; an unknown content coding → 415', async () => {
    expect((await send(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })).status).to.equal(400);
    expect(await send(Buffer.from('x'), { 'content-encoding': 'compress' })).to.deep.equal({ status: 415, json: { ok: false, type: 'encoding.unsupported' } });
  });
});
