import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { canonicalOut } from '../../src/ledger/canonical-out';
import { createLedgerStore } from '../../src/storage/ledger-store';
import { Writable } from 'node:stream';

const VKN = '1234567801';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('e-Defter file store', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-ledger-store-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const left = () => fs.readdirSync(path.join(root, VKN, '202601')).filter((f) => f.endsWith('.tmp'));

  it('a file is whole under its name after commit, with its size and SHA-256; abort leaves nothing', async () => {
    const store = createLedgerStore(root);
    const w = await store.create(VKN, '2026-01', 'a.xml');
    w.out.write(Buffer.from('merhaba '));
    w.out.write(Buffer.from('dünya'));
    const stored = await w.commit();
    const bytes = fs.readFileSync(store.pathOf(stored.path));
    expect(bytes.toString()).to.equal('merhaba dünya');
    expect(stored).to.include({ sizeBytes: bytes.length, sha256: sha(bytes) });
    const gone = await store.create(VKN, '2026-01', 'b.xml');
    gone.out.write(Buffer.from('yarım'));
    await gone.abort();
    expect(fs.existsSync(path.join(root, VKN, '202601', 'b.xml'))).to.equal(false);
    expect(left()).to.deep.equal([]);
  });

  it('refuses names that could leave the tenant’s folder', async () => {
    const store = createLedgerStore(root);
    for (const [vkn, period, name] of [[VKN, '2026-01', '../x.xml'], [VKN, '2026-01', '.hidden'], ['12', '2026-01', 'a.xml'], [VKN, '2026/01', 'a.xml']] as const) {
      let caught: unknown;
      try {
        await store.create(vkn, period, name);
      } catch (err) {
        caught = err;
      }
      expect(String(caught), `${vkn} ${period} ${name}`).to.match(/unsafe path part/);
    }
  });

  it('copyWithTail: the first bytes of a file (over several buffers) and a tail, measured; a short source leaves nothing', async () => {
    const store = createLedgerStore(root);
    const body = Buffer.alloc(3 * (1 << 20) + 12345);
    for (let i = 0; i < body.length; i++) body[i] = 32 + ((i * 7919) % 90);
    const w = await store.create(VKN, '2026-01', 'src.xml.unsigned');
    w.out.write(body);
    const src = await w.commit();
    const keep = body.length - 100;
    const tail = Buffer.from('<ds:Signature>imza</ds:Signature></edefter:defter>\n');
    const sealed = await store.copyWithTail(VKN, '2026-01', 'src.xml', src.path, keep, tail);
    const expected = Buffer.concat([body.subarray(0, keep), tail]);
    const got = fs.readFileSync(store.pathOf(sealed.path));
    expect(got.equals(expected)).to.equal(true);
    expect(sealed).to.include({ sizeBytes: expected.length, sha256: sha(expected) });

    let caught: unknown;
    try {
      await store.copyWithTail(VKN, '2026-01', 'short.xml', src.path, body.length + 1, tail);
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).to.match(/shorter than/);
    expect(fs.existsSync(path.join(root, VKN, '202601', 'short.xml'))).to.equal(false);
    expect(left()).to.deep.equal([]);
  });

  // canonicalOut reuses its buffers for the store's files (they are done with a chunk at its callback), not for
  // other streams; either way the bytes are the same.
  it('a document written through canonicalOut is the same in a store file as in a stream that keeps its chunks', async () => {
    const store = createLedgerStore(root);
    const pieces = Array.from({ length: 40_000 }, (_, i) => `<gl-cor:entryDetail>Satır ${i} açıklaması ğüşiöç</gl-cor:entryDetail>`);
    const write = async (out: NodeJS.WritableStream) => {
      const doc = await canonicalOut(out as never);
      for (const p of pieces) await doc.write(p);
      await doc.writeBytes(Buffer.from('<ham/>'));
      return doc.close('</edefter:defter>', '<ds:Signature></ds:Signature>');
    };
    const file = await store.create(VKN, '2026-01', 'doc.xml');
    const inFile = await write(file.out);
    const stored = await file.commit();
    // A stream that keeps every chunk it is given and is done with it at once: a reused buffer would show here.
    const chunks: Buffer[] = [];
    const keeper = new Writable({ write: (chunk: Buffer, _enc, done) => (chunks.push(chunk), setImmediate(done)) });
    const inSink = await write(keeper);
    await new Promise((resolve) => keeper.end(resolve));
    expect(fs.readFileSync(store.pathOf(stored.path), 'utf8')).to.equal(Buffer.concat(chunks).toString('utf8'));
    expect(inFile).to.deep.equal(inSink);
    expect(stored.sizeBytes).to.be.greaterThan(3 << 20);
  });
});
