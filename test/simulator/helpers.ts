/**
 * A fake integrator for the simulator tests: a plain express app serving GİB's EFatura contract (integrators serve
 * the same WSDL, Ek-3 §7), recording what the simulator pushes to it and, like a receiving postbox (Ek-2 §4.2),
 * answering an envelope with its own system response through the simulator's sendDocument.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import {
  buildEnvelope,
  buildGetApplicationResponseRequest,
  buildSendDocumentRequest,
  buildSendDocumentResponse,
  buildSystemEnvelope,
  buildEFaturaFault,
  md5Hex,
  openEnvelope,
  packEnvelope,
  parseSoapMessage,
  parseSystemResponse,
  replyParties,
  soapContentType,
  type EnvelopeParty,
  type ParsedEnvelope,
  type SoapMessage,
} from '../../src/gib/protocol';
import { createSigner, ensureDevelopmentSeal, signXml, type Signer } from '../../src/signing';
import { makeInvoice, type MakeInvoiceOptions } from '../helpers/invoices';

export const A: EnvelopeParty = { alias: 'urn:mail:defaultgb@a.com.tr', vknTckn: '1234567801', title: 'A ANONİM ŞİRKETİ' };
export const A_PK = 'urn:mail:defaultpk@a.com.tr';
export const B: EnvelopeParty = { alias: 'urn:mail:defaultpk@b.com.tr', vknTckn: '9876543210', title: 'B LİMİTED ŞİRKETİ' };
export const B_GB = 'urn:mail:defaultgb@b.com.tr';

export const USERS = [
  { vknTckn: A.vknTckn, title: A.title!, aliases: [{ alias: A.alias, role: 'GB' as const }, { alias: A_PK, role: 'PK' as const }] },
  { vknTckn: B.vknTckn, title: B.title!, aliases: [{ alias: B_GB, role: 'GB' as const }, { alias: B.alias, role: 'PK' as const }] },
];

const made: string[] = [];
process.once('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});
export function tempDir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `gw-sim-${tag}-`));
  made.push(d);
  return d;
}

export interface Received {
  fileName: string;
  id: string;
  md5: string;
  zip: Buffer;
  envelope: ParsedEnvelope;
  /** For a SYSTEMENVELOPE: its first system response's envelope ID and code. */
  about?: string;
  code?: number;
}

export interface FakeIntegrator {
  url: string;
  received: Received[];
  /** Answer sendDocument with HTTP 500 and no body while true. */
  down: boolean;
  /** The code this postbox answers an incoming SENDERENVELOPE with (null: no answer). */
  answerWith: number | null;
  stop(): Promise<void>;
  waitFor(pred: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
}

/** POST a SOAP 1.2 message, no keep-alive (the root hook fails a run that leaves a socket open). */
export function postSoap(url: string, body: Buffer, action?: 'sendDocument' | 'getApplicationResponse'): Promise<{ status: number; msg: SoapMessage; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': soapContentType(action), 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        try {
          resolve({ status: res.statusCode ?? 0, msg: parseSoapMessage(raw), raw });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function sendDocument(simUrl: string, fileName: string, zip: Buffer, hash: string) {
  return postSoap(simUrl, buildSendDocumentRequest({ fileName, binaryData: zip, hash }), 'sendDocument');
}

export async function getApplicationResponse(simUrl: string, id: string) {
  return postSoap(simUrl, buildGetApplicationResponseRequest(id), 'getApplicationResponse');
}

export async function startFakeIntegrator(simSoapUrl: () => string, self: EnvelopeParty): Promise<FakeIntegrator> {
  const app = express();
  const fake: FakeIntegrator = {
    url: '',
    received: [],
    down: false,
    answerWith: 1200,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
    waitFor: async (pred, timeoutMs = 3000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = fake.received.find(pred);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`nothing matching arrived at ${fake.url}: ${JSON.stringify(fake.received.map((r) => [r.envelope.type, r.about, r.code]))}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
  app.post('/efatura', express.raw({ type: () => true, limit: '50mb' }), async (req, res) => {
    if (fake.down) {
      res.status(500).end();
      return;
    }
    const msg = parseSoapMessage(req.body as Buffer);
    if (msg.kind !== 'sendDocument' || !msg.binaryData) {
      res.status(400).type(soapContentType()).send(buildEFaturaFault(2005));
      return;
    }
    const { id, envelope } = await openEnvelope(msg.fileName, msg.binaryData, msg.hash);
    const r: Received = { fileName: msg.fileName, id, md5: md5Hex(msg.binaryData), zip: msg.binaryData, envelope };
    if (envelope.type === 'SYSTEMENVELOPE') {
      const sr = parseSystemResponse(envelope.elements[0]!.bytes);
      r.about = sr.envelopeId;
      r.code = sr.code;
    }
    fake.received.push(r);
    res.type(soapContentType()).send(buildSendDocumentResponse({ msg: 'OK', hash: r.md5 }));
    // A postbox answers an incoming envelope with its system response, after answering the call (Ek-2 §4.2).
    if (envelope.type === 'SENDERENVELOPE' && fake.answerWith !== null) {
      const code = fake.answerWith;
      setImmediate(() => {
        void answerWithSystemResponse(simSoapUrl(), envelope, code);
      });
    }
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/efatura`;
  void self;
  return fake;
}

export async function answerWithSystemResponse(simUrl: string, received: ParsedEnvelope, code: number): Promise<void> {
  const id = randomUUID();
  const parties = replyParties(received);
  const xml = buildSystemEnvelope({
    envelopeId: id,
    createdAt: new Date(),
    ...parties,
    responses: [
      {
        uuid: randomUUID(),
        issuedAt: new Date(),
        sender: { vknTckn: parties.sender.vknTckn, name: parties.sender.title ?? 'B' },
        receiver: { vknTckn: parties.receiver.vknTckn, name: parties.receiver.title ?? 'A' },
        envelopeId: received.id,
        envelopeType: 'SENDERENVELOPE',
        code,
      },
    ],
  });
  const p = await packEnvelope(xml, id);
  await sendDocument(simUrl, p.fileName, p.zip, p.md5);
}

let signerCache: Signer | null = null;
export async function sealOfA(): Promise<Signer> {
  if (!signerCache) signerCache = await createSigner(await ensureDevelopmentSeal(tempDir('seal'), { vkn: A.vknTckn, title: A.title! }));
  return signerCache;
}
export async function closeSeal(): Promise<void> {
  await signerCache?.close();
  signerCache = null;
}

/** A signed invoice from A to B (makeInvoice, then XAdES with A's development seal). */
export async function signedInvoice(o: MakeInvoiceOptions = {}, mutate: (xml: string) => string = (x) => x): Promise<Buffer> {
  const xml = mutate(makeInvoice({ supplierVkn: A.vknTckn, customerVkn: B.vknTckn, ...o }));
  return signXml(xml, await sealOfA());
}

export async function packedEnvelope(
  invoices: Buffer[],
  o: { id?: string; sender?: EnvelopeParty; receiver?: EnvelopeParty } = {},
): Promise<{ id: string; fileName: string; zip: Buffer; md5: string }> {
  const id = o.id ?? randomUUID();
  const xml = buildEnvelope({
    id,
    type: 'SENDERENVELOPE',
    createdAt: new Date(),
    sender: o.sender ?? A,
    receiver: o.receiver ?? B,
    elementType: 'INVOICE',
    elements: invoices,
  });
  const p = await packEnvelope(xml, id);
  return { id, ...p };
}
