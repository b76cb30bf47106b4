/**
 * A gateway reduced to what GİB's pushes need: an express app with just the EFatura endpoint on a loopback port, a
 * fresh database, a blob store in a temporary folder, and a worker (not started: tests drive it with runUntilIdle)
 * holding the gib.inbound task and the outbox's send task pointed at a GİB — the simulator or a tiny fake that
 * records what it is sent.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Knex } from 'knex';
import pino from 'pino';
import yazl from 'yazl';
import { createMachineStore } from '../../src/db/machine-store';
import { createWriteBatcher } from '../../src/db/write-batcher';
import { createGibClient } from '../../src/gib/client';
import {
  buildEFaturaFault,
  buildEnvelope,
  buildSendDocumentResponse,
  md5Hex,
  openEnvelope,
  packEnvelope,
  parseSoapMessage,
  parseSystemEnvelope,
  soapContentType,
  type EnvelopeParty,
  type ParsedEnvelope,
  type ParsedSystemResponse,
  type SoapMessage,
} from '../../src/gib/protocol';
import { createGibInbound, GIB_INBOUND_TASK } from '../../src/services/gib-inbound.service';
import { createGibStatusService } from '../../src/services/gib-status.service';
import { createOutbox, ENVELOPE_SEND_TASK } from '../../src/services/outbox.service';
import { listenHttp } from '../../src/http/server';
import { GIB_ENDPOINT_PATH, createGibEndpoint } from '../../src/soap/gib-endpoint';
import { createBlobStore, type BlobStore } from '../../src/storage/blob-store';
import { gibTasks } from '../../src/worker/tasks/gib.tasks';
import { createWorker, type Worker } from '../../src/worker/worker';
import { createTestDb, tempDir, type TestDb } from '../helpers/db';
import { makeInvoice } from '../helpers/invoices';
import { A, B, B_GB } from '../simulator/helpers';

export { A, A_PK, B, B_GB } from '../simulator/helpers';

/** Our tenant in these tests is B (the simulator helpers' receiver): its PK alias B.alias, its GB alias B_GB. */
export const TENANT = { vkn: B.vknTckn, title: B.title!, gbAlias: B_GB, pkAlias: B.alias };

export interface Harness {
  /** The endpoint's URL (sendDocument, getApplicationResponse, ?wsdl). */
  url: string;
  testDb: TestDb;
  db: Knex;
  blobs: BlobStore;
  worker: Worker;
  tenantId: number;
  logs: Array<Record<string, unknown>>;
  /** Moves the clock the worker and the tasks see. */
  advance(ms: number): void;
  clock(): Date;
  close(): Promise<void>;
}

export interface HarnessOptions {
  gibUrl: string;
  maxBytes?: number;
  wsdlFile?: string;
  /** Attempts of a send job before the outbox tries again an hour later. */
  sendAttempts?: number;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const testDb = await createTestDb();
  const db = testDb.db;
  const blobDir = tempDir('gw-blobs-');
  const blobs = createBlobStore({ db, dir: blobDir });
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const writer = createWriteBatcher(db);
  const store = createMachineStore(db, { clock, maxAttempts: 3, writer });
  const client = createGibClient({ url: opts.gibUrl, timeoutMs: 2000 });
  const outbox = createOutbox({ db, writer, blobs, client, clock, logger, maxAttempts: opts.sendAttempts ?? 3, pollAfterMs: 24 * 3600_000 });
  const status = createGibStatusService({ db, writer, store, clock, logger, pollAfterMs: 24 * 3600_000, pollEveryMs: 5 * 3600_000 });
  const inbound = createGibInbound({ db, writer, blobs, store, outbox, status, clock, logger });
  // The gateway's own tasks for these two jobs (the harness has no poll, user list or answers of its own).
  const tasks = gibTasks({ outbox, inbound, status, users: null as never, applicationResponses: null as never, efaturaCancel: null as never, clock, userListSyncMs: 0, pollTickMs: 0, checkEveryMs: 0 });
  const worker = createWorker({
    db,
    writer,
    clock,
    logger,
    pollMs: 50,
    concurrency: 2,
    backoffBaseMs: 1000,
    tasks: { [GIB_INBOUND_TASK]: tasks[GIB_INBOUND_TASK]!, [ENVELOPE_SEND_TASK]: tasks[ENVELOPE_SEND_TASK]! },
  });

  const [row] = await db('tenants')
    .insert({ vkn: TENANT.vkn, title: TENANT.title, gb_alias: TENANT.gbAlias, pk_alias: TENANT.pkAlias, created_at: clock().toISOString() })
    .returning('id');
  const tenantId = Number(typeof row === 'object' ? row.id : row);

  const app = express();
  app.use(createGibEndpoint({ inbound, logger, maxBytes: opts.maxBytes ?? 256 * 1024, wsdlFile: opts.wsdlFile ?? null }));
  const server = await listenHttp(app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${GIB_ENDPOINT_PATH}`;

  return {
    url,
    testDb,
    db,
    blobs,
    worker,
    tenantId,
    logs,
    advance(ms) {
      offset += ms;
    },
    clock,
    async close() {
      await worker.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await testDb.destroy();
      fs.rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

// --- a tiny GİB that records sendDocument -------------------------------------------------------------------------

export interface GibCall {
  fileName: string;
  envelope: ParsedEnvelope;
  /** For a SYSTEMENVELOPE: the system responses in it. */
  responses: ParsedSystemResponse[];
}

export interface FakeGib {
  url: string;
  /** Envelopes taken in (not the refused calls). */
  calls: GibCall[];
  /** sendDocument calls answered with HTTP 500 (while `down`). */
  refused: number;
  down: boolean;
  stop(): Promise<void>;
}

export async function startFakeGib(): Promise<FakeGib> {
  const app = express();
  const fake: FakeGib = {
    url: '',
    calls: [],
    refused: 0,
    down: false,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  app.post('/EFatura', express.raw({ type: () => true, limit: '10mb' }), async (req, res) => {
    if (fake.down) {
      fake.refused++;
      res.status(500).end();
      return;
    }
    const msg = parseSoapMessage(req.body as Buffer);
    if (msg.kind !== 'sendDocument' || !msg.binaryData) {
      res.status(500).type(soapContentType()).send(buildEFaturaFault(2005));
      return;
    }
    const { envelope, xml } = await openEnvelope(msg.fileName, msg.binaryData, msg.hash);
    const responses = envelope.type === 'SYSTEMENVELOPE' ? parseSystemEnvelope(xml).responses : [];
    fake.calls.push({ fileName: msg.fileName, envelope, responses });
    res.type(soapContentType()).send(buildSendDocumentResponse({ msg: 'ZARF KUYRUGA EKLENDI', hash: md5Hex(msg.binaryData) }));
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/EFatura`;
  return fake;
}

// --- building and pushing ----------------------------------------------------------------------------------------

/** An (unsigned: the endpoint does not verify, GİB did) invoice from A to B. */
export function invoiceXml(o: { ettn?: string; profile?: string } = {}): Buffer {
  return Buffer.from(makeInvoice({ supplierVkn: A.vknTckn, customerVkn: B.vknTckn, ...o }), 'utf8');
}

export function envelopeXml(o: {
  id?: string;
  type?: 'SENDERENVELOPE' | 'POSTBOXENVELOPE' | 'SYSTEMENVELOPE';
  sender?: EnvelopeParty;
  receiver?: EnvelopeParty;
  elementType?: 'INVOICE' | 'APPLICATIONRESPONSE';
  elements: Buffer[];
}): { id: string; xml: Buffer } {
  const id = o.id ?? randomUUID();
  const xml = buildEnvelope({
    id,
    type: o.type ?? 'SENDERENVELOPE',
    createdAt: new Date(),
    sender: o.sender ?? A,
    receiver: o.receiver ?? B,
    elementType: o.elementType ?? 'INVOICE',
    elements: o.elements,
  });
  return { id, xml };
}

export async function packed(env: { id: string; xml: Buffer }): Promise<{ id: string; fileName: string; zip: Buffer; md5: string }> {
  return { id: env.id, ...(await packEnvelope(env.xml, env.id)) };
}

/** A ZIP with exactly these entries (for the shapes GİB refuses). */
export async function zipOf(entries: Array<[string, Buffer]>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of entries) z.addBuffer(data, name, { mtime: new Date(2020, 0, 1) });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** POST raw bytes, no keep-alive (the root hook fails a run that leaves a socket open). */
export function post(url: string, body: Buffer, contentType: string): Promise<{ status: number; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

export async function postSoapMessage(url: string, body: Buffer, contentType = soapContentType('sendDocument')): Promise<{ status: number; msg: SoapMessage; raw: Buffer }> {
  const r = await post(url, body, contentType);
  return { ...r, msg: parseSoapMessage(r.raw) };
}

/** count(*) as a number (PostgreSQL gives a string). */
export async function countOf(q: Knex.QueryBuilder): Promise<number> {
  const [row] = await q.count({ n: '*' });
  return Number((row as { n: number | string }).n);
}

export async function envelopeRow(db: Knex, id: string): Promise<Record<string, any> | undefined> {
  return db('envelopes').where({ id: id.toLowerCase(), direction: 'IN' }).first();
}

/** The SYSTEMENVELOPE rows we wrote in answer to an incoming envelope. */
export async function replyRows(db: Knex, aboutId: string): Promise<Array<Record<string, any>>> {
  return db('envelopes').where({ about_envelope_id: aboutId.toLowerCase(), direction: 'OUT', type: 'SYSTEMENVELOPE' });
}

export async function waitFor<T>(what: string, f: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
