/**
 * Fuzz (issue 9): generated hostile requests and ZIPs, and seeded random mutations of valid ones, thrown at both
 * endpoints of a gateway process — /soap/gateway (SendInvoice, GetStatus) and /gib/EFatura (sendDocument). For every
 * request: an answer within the timeouts, a typed fault when it is not a success (our 4xxx codes, never 5000
 * SISTEM HATASI, which would mean an unhandled path; GİB's 2000–2007 at GİB's endpoint), and for a refused request
 * no row in any table and no blob file. Throughout: the process stays up and under twice its idle memory (VmRSS
 * sampled every 10 ms). A few requests stall halfway through their body: each is cut off with 408 within the request
 * timeout while the rest go on.
 *
 * Limits are the gateway's settings, lowered so that the bounds are visible in the run (a 4 MiB request, an 8 MiB
 * document, 3 s for a request). The worker is off: nothing but the request itself writes, so the before/after
 * comparison of each refused request is exact.
 *
 * GW_FUZZ_SEED (a number, or "random") and GW_FUZZ_CASES (per endpoint) run other or longer sequences; a failure
 * names the seed and the case to replay.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { buildSendDocumentRequest, md5Hex, packEnvelope, soapContentType } from '../../src/gib/protocol';
import { tableCounts } from '../helpers/rows';
import { makeInvoice } from '../helpers/invoices';
import { envelope, securityHeader, sendInvoiceBody } from '../helpers/raw-soap';
import { E2E_DB_KIND, freePorts, prepareGateway, simulatorProcess, tempDir, type GatewayProcess, type SimulatorProcess } from '../e2e/harness';
import { envelopeXml, invoiceXml, TENANT } from '../gib-endpoint/helpers';
import { rawZip, storedEntry, zeroBomb } from '../zip/zip-fixtures';
import { gzipZeros, HOSTILE_DOCUMENTS, HOSTILE_XML, mutateBytes, rng, type Rng } from './mutate';

const MiB = 1024 * 1024;
const SEED = process.env.GW_FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 32) : Number(process.env.GW_FUZZ_SEED ?? 20261205);
const CASES = Number(process.env.GW_FUZZ_CASES ?? 150);
const REQUEST_TIMEOUT_MS = 3000;
const VKN = TENANT.vkn;
const SOAP_CT = 'text/xml; charset=utf-8';

interface Case {
  what: string;
  body: Buffer;
  headers?: Record<string, string>;
  /** Generated hostile: must be refused (a mutation may or may not be). */
  hostile?: boolean;
}

interface Answer {
  status: number;
  text: string;
  ms: number;
}

function vmRss(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

function filesUnder(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? filesUnder(path.join(dir, e.name)) : 1;
  return n;
}

/** POST over a fresh connection; `stallAfter` sends that many bytes of the body and then nothing more. */
function send(url: string, c: Case, contentType: string, stallAfter?: number): Promise<Answer> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': contentType, 'content-length': c.body.length, ...c.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        answered = true;
        resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - t0 });
      });
      res.on('error', reject);
    });
    // A server that answers before the whole body is read may close while we still write: that is not a failure.
    req.on('error', (err) => setTimeout(() => answered || reject(err), 50));
    req.setTimeout(REQUEST_TIMEOUT_MS * 3, () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS * 3} ms`)));
    if (stallAfter === undefined) req.end(c.body);
    else req.write(c.body.subarray(0, stallAfter));
  });
}

describe(`fuzz: hostile and mutated requests at both endpoints of a gateway process (${E2E_DB_KIND})`, function () {
  this.timeout(300_000);
  let gw: GatewayProcess;
  let sim: SimulatorProcess;
  let simDataDir: string;

  before(async function () {
    this.timeout(60_000);
    const [port, simPort] = await freePorts(2);
    // GİB's simulator in its own process: SendInvoice reads GİB's user list once before the first invoice.
    simDataDir = tempDir('gw-fuzz-sim-');
    sim = simulatorProcess(simPort!, { SIM_DATA_DIR: simDataDir });
    await sim.start();
    gw = await prepareGateway({
      name: 'fuzz',
      port: port!,
      simBaseUrl: sim.baseUrl,
      tenants: [{ vkn: VKN, title: TENANT.title, gbAlias: TENANT.gbAlias, pkAlias: TENANT.pkAlias, users: ['erp'] }],
      env: {
        GW_WORKER: 'false',
        GW_MAX_REQUEST_BYTES: String(4 * MiB),
        GW_MAX_DOCUMENT_BYTES: String(8 * MiB),
        GW_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        GW_HTTP_HEADERS_TIMEOUT_MS: '2000',
        GW_AUTH_MAX_FAILURES: '1000', // mutated security headers must not lock the user the valid cases log in as
      },
    });
    await gw.start();
  });
  after(async () => {
    await gw?.cleanup();
    await sim?.stop();
    if (simDataDir) fs.rmSync(simDataDir, { recursive: true, force: true });
  });

  const soapUrl = () => `${gw.baseUrl}/soap/gateway`;
  const gibUrl = () => gw.gibEndpointUrl;

  function sendInvoice(document: Buffer, extra = ''): Buffer {
    return Buffer.from(envelope(sendInvoiceBody(document, extra), securityHeader('erp', gw.password)));
  }
  const invoice = () => Buffer.from(makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: VKN }));
  const getStatus = () => Buffer.from(envelope(`<gw:GetStatusRequest><gw:ettn>${randomUUID()}</gw:ettn></gw:GetStatusRequest>`, securityHeader('erp', gw.password)));

  async function validPush(): Promise<{ fileName: string; zip: Buffer; id: string }> {
    const env = envelopeXml({ elements: [invoiceXml()] });
    return { id: env.id, ...(await packEnvelope(env.xml, env.id)) };
  }
  const pushRequest = (fileName: string, zip: Buffer, hash = md5Hex(zip)) => buildSendDocumentRequest({ fileName, binaryData: zip, hash });

  /** ZIPs that must never be kept, named for the envelope `id`. */
  function hostileZip(r: Rng, id: string): [string, Buffer] {
    const bomb = zeroBomb(r.int(20, 120));
    const shapes: Array<[string, () => Buffer]> = [
      ['a zip bomb, honest header', () => rawZip([{ name: `${id}.xml`, data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: bomb.size }])],
      ['a zip bomb, header says 1000 bytes', () => rawZip([{ name: `${id}.xml`, data: bomb.data, method: 8, crc32: bomb.crc32, uncompressedSize: 1000 }])],
      ['an entry ../<id>.xml', () => rawZip([storedEntry(`../${id}.xml`, '<a/>')])],
      ['an entry /tmp/<id>.xml', () => rawZip([storedEntry(`/tmp/${id}.xml`, '<a/>')])],
      ['an entry C:<id>.xml', () => rawZip([storedEntry(`C:${id}.xml`, '<a/>')])],
      ['40 entries', () => rawZip(Array.from({ length: 40 }, (_, i) => storedEntry(`${id}-${i}.xml`, '<a/>')))],
    ];
    const [what, make] = r.pick(shapes);
    return [what, make()];
  }

  /** Case `i` for /soap/gateway. */
  function soapCase(r: Rng, i: number): Case {
    switch (i % 4) {
      case 0: {
        const [what, xml] = HOSTILE_XML[Math.floor(i / 4) % HOSTILE_XML.length]!;
        const where = r.int(0, 3);
        if (where === 0) return { what: `${what} inside SendInvoiceRequest`, body: sendInvoice(invoice(), xml()), hostile: true };
        if (where === 1) return { what: `${what} as the SOAP body`, body: Buffer.from(envelope(xml(), securityHeader('erp', gw.password))), hostile: true };
        // A foreign header block is SOAP's extension point, ignored unless mustUnderstand: a large text in one is
        // within the envelope's limits (its cost bounded by the request limit) and the call goes through.
        return { what: `${what} in the SOAP header`, body: Buffer.from(envelope(sendInvoiceBody(invoice()), securityHeader('erp', gw.password) + xml())), hostile: !what.includes('text node') };
      }
      case 1: {
        if (r.chance(0.5)) {
          const [what, doc] = HOSTILE_DOCUMENTS[r.int(0, HOSTILE_DOCUMENTS.length)]!;
          return { what: `document: ${what}`, body: sendInvoice(doc()), hostile: true };
        }
        const [what, zip] = hostileZip(r, randomUUID());
        return { what: `document: ${what}`, body: sendInvoice(zip), hostile: true };
      }
      case 2: {
        let body = r.chance(0.8) ? sendInvoice(invoice()) : getStatus();
        const hows: string[] = [];
        for (let n = r.int(1, 4); n > 0; n--) {
          const m = mutateBytes(r, body);
          body = m.bytes;
          hows.push(m.how);
        }
        return { what: `mutated: ${hows.join(', ')}`, body };
      }
      default: {
        const transport: Array<() => Case> = [
          () => ({ what: 'gzip, valid', body: zlib.gzipSync(sendInvoice(invoice())), headers: { 'content-encoding': 'gzip' } }),
          () => ({ what: 'gzip bomb (30 MiB of zeros)', body: gzipZeros(30), headers: { 'content-encoding': 'gzip' }, hostile: true }),
          () => ({ what: 'gzip, truncated', body: zlib.gzipSync(sendInvoice(invoice())).subarray(0, 200), headers: { 'content-encoding': 'gzip' } }),
          () => ({ what: 'brotli (not spoken)', body: zlib.brotliCompressSync(sendInvoice(invoice())), headers: { 'content-encoding': 'br' } }),
          () => ({ what: 'charset iso-8859-9', body: sendInvoice(invoice()), headers: { 'content-type': 'text/xml; charset=iso-8859-9' } }),
          () => ({ what: 'a DOCTYPE before the envelope', body: Buffer.concat([Buffer.from('<!DOCTYPE x [<!ENTITY e "e">]>'), sendInvoice(invoice())]) }),
          () => ({ what: 'UTF-16 encoding declared', body: Buffer.from(sendInvoice(invoice()).toString().replace('encoding="utf-8"', 'encoding="UTF-16"')) }),
          () => ({ what: 'a second document', body: sendInvoice(invoice(), `<gw:document>${invoice().toString('base64')}</gw:document>`) }),
          () => ({ what: 'an empty body', body: Buffer.alloc(0) }),
          () => ({ what: 'over the request limit', body: sendInvoice(invoice(), `<gw:x>${'a'.repeat(5 * MiB)}</gw:x>`) }),
        ];
        return transport[Math.floor(i / 4) % transport.length]!();
      }
    }
  }

  /** Case `i` for /gib/EFatura. */
  async function gibCase(r: Rng, i: number): Promise<Case> {
    const valid = await validPush();
    switch (i % 4) {
      case 0: {
        const [what, zip] = hostileZip(r, valid.id);
        return { what, body: pushRequest(valid.fileName, zip), hostile: true };
      }
      case 1: {
        let zip = valid.zip;
        const hows: string[] = [];
        for (let n = r.int(1, 4); n > 0; n--) {
          const m = mutateBytes(r, zip);
          zip = m.bytes;
          hows.push(m.how);
        }
        return { what: `ZIP mutated, hash recomputed: ${hows.join(', ')}`, body: pushRequest(valid.fileName, zip) };
      }
      case 2: {
        const m = mutateBytes(r, pushRequest(valid.fileName, valid.zip));
        return { what: `request mutated: ${m.how}`, body: m.bytes };
      }
      default: {
        const shapes: Array<() => Case> = [
          () => {
            // The endpoint reads GİB's peers leniently (an element it does not know is passed over): a large text in
            // one is within the limits, bounded by the request limit, and the push is taken.
            const [what, xml] = r.pick(HOSTILE_XML);
            return { what: `${what} in documentRequest`, body: Buffer.from(pushRequest(valid.fileName, valid.zip).toString().replace('</fileName>', `</fileName>${xml()}`)), hostile: !what.includes('text node') };
          },
          () => ({ what: 'a wrong hash', body: pushRequest(valid.fileName, valid.zip, md5Hex(Buffer.from('x'))) }),
          () => ({ what: 'file name ../<id>.zip', body: pushRequest(`../${valid.fileName}`, valid.zip) }),
          () => ({ what: 'a 10 KB file name', body: pushRequest(`${'a'.repeat(10_000)}.zip`, valid.zip) }),
          () => ({ what: 'multipart with no parts', body: Buffer.from('--b\r\n\r\n--b--\r\n'), headers: { 'content-type': 'multipart/related; boundary=b; type="application/xop+xml"' } }),
          () => ({ what: 'gzip bomb (30 MiB of zeros)', body: gzipZeros(30), headers: { 'content-encoding': 'gzip' }, hostile: true }),
        ];
        return shapes[Math.floor(i / 4) % shapes.length]!();
      }
    }
  }

  it(`${CASES} requests to each endpoint: answered in time with a typed fault or a success; refused ones store nothing; the process stays up and under 2× idle memory`, async () => {
    const r = rng(SEED);
    const pid = gw.pid()!;
    const blobDir = path.join(gw.dataDir, 'blobs');
    const state = async () => ({ tables: await tableCounts(gw.db()), blobFiles: filesUnder(blobDir) });

    // Warm up both paths with valid requests, then take the idle memory.
    for (let k = 0; k < 3; k++) {
      expect((await send(soapUrl(), { what: 'valid', body: sendInvoice(invoice()) }, SOAP_CT)).status).to.equal(200);
      const p = await validPush();
      expect((await send(gibUrl(), { what: 'valid', body: pushRequest(p.fileName, p.zip) }, soapContentType())).status).to.equal(200);
    }
    await new Promise((res) => setTimeout(res, 300));
    const idle = vmRss(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      if (gw.running()) peak = Math.max(peak, vmRss(pid));
    }, 10);

    // Stalled bodies, one per endpoint, alongside everything else: cut off in the request timeout.
    const stalls = [soapUrl(), gibUrl()].map(async (url) => {
      const body = url === soapUrl() ? sendInvoice(invoice()) : pushRequest((await validPush()).fileName, (await validPush()).zip);
      return send(url, { what: 'stalled body', body }, url === soapUrl() ? SOAP_CT : soapContentType(), Math.floor(body.length / 2));
    });

    const tally: Record<string, number> = {};
    let slowest = 0;
    const failures: string[] = [];
    try {
      for (let i = 0; i < 2 * CASES; i++) {
        const gib = i % 2 === 1;
        const c = gib ? await gibCase(r, (i - 1) / 2) : soapCase(r, i / 2);
        const label = `seed ${SEED} case ${i} (${gib ? 'gib' : 'soap'}: ${c.what})`;
        const before = await state();
        let a: Answer;
        try {
          a = await send(gib ? gibUrl() : soapUrl(), c, c.headers?.['content-type'] ?? (gib ? soapContentType() : SOAP_CT));
        } catch (err) {
          failures.push(`${label}: ${(err as Error).message}`);
          if (!gw.running()) break;
          continue;
        }
        slowest = Math.max(slowest, a.ms);
        if (a.status === 200) {
          if (c.hostile) failures.push(`${label}: accepted`);
          tally[`${gib ? 'gib' : 'soap'} 200`] = (tally[`${gib ? 'gib' : 'soap'} 200`] ?? 0) + 1;
          continue;
        }
        const code = gib ? /<code>(\d+)<\/code>/.exec(a.text)?.[1] : /<gw:code>(\d+)<\/gw:code>/.exec(a.text)?.[1];
        tally[`${gib ? 'gib' : 'soap'} ${code ?? `HTTP ${a.status}`}`] = (tally[`${gib ? 'gib' : 'soap'} ${code ?? `HTTP ${a.status}`}`] ?? 0) + 1;
        if (!code) failures.push(`${label}: HTTP ${a.status} without a typed fault: ${a.text.slice(0, 200)}`);
        else if (!gib && code === '5000') failures.push(`${label}: 5000 SISTEM HATASI (an unhandled path)`);
        else if (gib && !(Number(code) >= 2000 && Number(code) <= 2007)) failures.push(`${label}: fault code ${code} is not GİB's`);
        const after = await state();
        if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${label}: refused (${code}) but stored: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
      }
    } finally {
      clearInterval(sampler);
    }

    const stalled = await Promise.all(stalls);
    const health = await fetch(`${gw.baseUrl}/health`);
    const report = `seed ${SEED}: ${JSON.stringify(tally)}; slowest answer ${slowest} ms; stalled bodies answered ${stalled.map((s) => `${s.status} in ${s.ms} ms`).join(', ')}; RSS idle ${(idle / MiB).toFixed(0)} MB, peak ${(peak / MiB).toFixed(0)} MB`;
    if (process.env.GW_FUZZ_LOG) console.log(report);
    expect(failures, report).to.deep.equal([]);
    expect(gw.running(), report).to.equal(true);
    expect(health.status).to.equal(200);
    expect(slowest, report).to.be.lessThan(REQUEST_TIMEOUT_MS);
    for (const s of stalled) {
      expect(s.status, report).to.equal(408);
      expect(s.ms, report).to.be.within(REQUEST_TIMEOUT_MS - 100, REQUEST_TIMEOUT_MS + 1500);
    }
    expect(peak, report).to.be.lessThan(2 * idle);
    // Both kinds of answer happened: the mutations are not all refused, nor all accepted.
    expect(tally['soap 200'] ?? 0, report).to.be.greaterThan(0);
    expect(tally['gib 200'] ?? 0, report).to.be.greaterThan(0);
  });
});
