/**
 * The ledger.advance job: the work of seed 001's steps for a tenant's month, one step per run, both books together
 * (one pass over the journal builds the Yevmiye and the Büyük Defter). Each run reads the books, does the next step
 * towards the goal PLAN recorded, and applies the step's event to both books in one transaction (optimistic
 * locking: a run that lost the race changes nothing; the winner's transition starts the next run).
 *
 *   Dosya Oluştur   the source's journal, checked again against the month's (possibly partial) dates, written as
 *                   the Yevmiye and derived into the Büyük Defter (sorted temporary runs), both in canonical XML so
 *                   their digests are taken as they are written; a failed check is CHECK_FAILED with its reason.
 *   Dosya İmzala    each book's enveloped XAdES signature from that digest (the file is never parsed): the signed
 *                   file is the built one with ds:Signature put before the root's end tag.
 *   Berat Oluştur   each book's berat (the book's header, its SignatureValue, counts, totals), canonical as well.
 *   Berat İmzala    the berats sealed the same way.
 * From there each book goes to GİB's e-Defter service on its own, the Yevmiye first (GİB takes a Büyük Defter only
 * once the same month's Yevmiye is approved):
 *   GİB'e Gönder    one package per part, `VKN-YYYYMM-YB-000000.zip` holding the sealed book and its berat, sent
 *                   with WS-Security by the tenant's seal; GİB's answer of 111 to a resend (the first attempt got
 *                   through, its answer was lost) counts as sent.
 *   (GİB's verdict) getBatchStatus every `checkEveryMs` until GİB decides: approved, or refused with its reason.
 *   Onaylı Beratı İndir  receiveDocumentFile; the approved berat is kept only when GİB's countersignature
 *                   verifies (edefter-approval.ts) over our own berat's signature, which must still verify too.
 * A refusal before GİB took the package (114 out of order, 109, …) or GİB away through every attempt leaves the
 * book where it was, with GİB's code and words as its last error (STEP_FAIL); asking again retries.
 * Files are written under temporary names and committed before the rows naming them; a built-but-unsigned file
 * keeps a name of its own (`….unsigned`), so a signing step that failed after writing can always start again.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { booksOfPeriod, bookById, journalContinuation, filesOfBook, lastChangedBook, ledgerSettings, bookControlSequence, putFile, sourceById, type LedgerBookRow, type LedgerFileRow } from '../db/ledgers';
import { entities, type MachineStore } from '../db/machine-store';
import { tenantById } from '../db/tenants';
import type { WriteBatcher } from '../db/write-batcher';
import { GatewayError, isGatewayError } from '../faults';
import type { EdefterClient } from '../gib/edefter-client';
import { isGibCallError } from '../gib/client-errors';
import { BeratApprovalError, verifyApprovedBerat } from '../gib/protocol/edefter-approval';
import { certificatesFrom } from '../signing/cert';
import { withSignatureTimestamp, type TimestampAuthority } from '../signing/timestamp';
import { verifyXml } from '../signing/verify';
import { unpackFiles } from '../zip/read';
import { zipFiles } from '../zip/write';
import { sealWith } from '../ledger/canonical-out';
import { createBeratTotals, writeBerat, type BeratAccountTotals } from '../ledger/berat-writer';
import { writeDefterRaporu } from '../ledger/rapor-writer';
import { createJournalChecker } from '../ledger/journal-checks';
import { formatKurus } from '../ledger/journal';
import { createKebirBuilder } from '../ledger/kebir';
import { createPartedYevmiye, type YevmiyePart } from '../ledger/yevmiye-writer';
import { yevmiyeRuleFailures } from '../ledger/yevmiye-rules';
import { parseXml } from '../xml/parse';
import { DEFTER_NAMESPACES, rootEnd, type LedgerCompany } from '../ledger/xbrl-gl';
import type { Signer } from '../signing';
import type { LedgerFileWriter, LedgerStore, StoredFile } from '../storage/ledger-store';
import { turkishDay } from '../turkish-time';
import type { LedgerSettings } from './ledger.service';
import { missingSettings, reached, sourceJournal } from './ledger.service';
import type { SignerRegistry } from './signer-registry';

export interface LedgerStepsDeps {
  db: Knex;
  writer: WriteBatcher;
  store: MachineStore;
  files: LedgerStore;
  signers: Pick<SignerRegistry, 'signerFor' | 'drop' | 'trustedRoots'>;
  /** GİB's e-Defter service; without it the steps end at Berat İmzala. */
  gib?: {
    client: EdefterClient;
    /** How often GİB is asked for a package's verdict. */
    checkEveryMs: number;
    /** Roots GİB's approval seal chains to (besides the signers' trusted roots). */
    sealRoots: () => Promise<Array<Buffer | string>>;
  } | null;
  clock: () => Date;
  maxUnzippedBytes: number;
  /** Where the Büyük Defter's sorted runs go while it is derived. */
  tmpDir?: string;
  /** gl-bus:sourceApplication's program and version: `VKN##Firma##Program##Sürüm`. */
  program: string;
  /** Largest part of a book (GW_LEDGER_PART_BYTES; GİB's limit is 200 MB). */
  partBytes?: number;
  /** A timestamp authority (GW_LEDGER_TSA_URL): each berat's seal then carries a zaman damgası (XAdES-T). */
  tsa?: TimestampAuthority;
}


/** GİB's limit on a book's file (Teknik Kılavuz §2.2: "200 MB"). */
export const DEFAULT_PART_BYTES = 200 * 1024 * 1024;

/** GİB's file name of a book's part: `VKN-YYYYMM-Y-000000.xml`. */
export const ledgerFileName = (vkn: string, period: string, kind: string, part: number) => `${vkn}-${period.replace('-', '')}-${kind}-${String(part).padStart(6, '0')}.xml`;

export function createLedgerSteps(deps: LedgerStepsDeps) {
  const { db, store } = deps;
  const now = () => deps.clock().toISOString();

  async function company(tenantId: number): Promise<LedgerCompany> {
    const tenant = (await tenantById(db, tenantId))!;
    const settings = (await ledgerSettings(db, tenantId)) as LedgerSettings | null;
    if (!settings) throw missingSettings();
    return { ...settings, vkn: tenant.vkn, title: tenant.title };
  }

  /** Applies `event` to every book, each at the version read, in one transaction; context patches per book. */
  async function applyAll(books: LedgerBookRow[], event: 'BUILD' | 'CHECK_FAIL' | 'SIGN' | 'BUILD_BERAT' | 'SIGN_BERAT' | 'SEND' | 'APPROVE' | 'REJECT' | 'DOWNLOAD', extra: (trx: Knex.Transaction, b: LedgerBookRow) => Promise<Record<string, unknown> | void>, fault?: GatewayError, patchReason?: string) {
    await deps.writer.run(async (trx) => {
      for (const b of books) {
        const patch = { lastError: null, ...((await extra(trx, b)) ?? {}) }; // a step done: an earlier failure is over
        await store.apply(
          entities.ledgerBook(b.id),
          {
            event,
            actor: event === 'APPROVE' || event === 'REJECT' ? 'gib' : 'worker',
            reason: fault ? fault.message : (patchReason ?? null),
            ...(fault ? { code: fault.spec.code, codeDescription: fault.message } : {}),
            contextPatch: patch,
            expectedVersion: b.version,
          },
          trx,
        );
      }
    });
  }

  /** Dosya Oluştur. */
  async function build(books: LedgerBookRow[]) {
    const y = books.find((b) => b.book === 'Y')!;
    const k = books.find((b) => b.book === 'K')!;
    const source = y.sourceId === null ? null : await sourceById(db, y.tenantId, y.sourceId);
    if (!source) throw new GatewayError('LEDGER_NOT_FOUND');
    const c = await company(y.tenantId);
    // Control numbers are taken once per book and month and kept through rebuilds: the year's sequence has no gaps.
    const seqs = await deps.writer.run(async (trx) => ({ Y: await bookControlSequence(trx, y), K: await bookControlSequence(trx, k) }));
    const ym = source.period.replace('-', '');
    const control = { Y: `YEV${ym}${String(seqs.Y).padStart(6, '0')}`, K: `KEB${ym}${String(seqs.K).padStart(6, '0')}` };
    const start = await journalContinuation(db, y.tenantId, y.period);
    const fiscalYear = { fiscalYearStart: `${source.period.slice(0, 4)}-01-01`, fiscalYearEnd: `${source.period.slice(0, 4)}-12-31` };
    const creationDate = turkishDay(deps.clock()) < source.periodEnd ? source.periodEnd : turkishDay(deps.clock());
    const sourceApplication = `${c.vkn}##${c.title}##${deps.program}`;
    const partFile = (kind: 'Y' | 'K') => (part: number) => deps.files.create(c.vkn, source.period, `${ledgerFileName(c.vkn, source.period, kind, part)}.unsigned`, { hash: false });

    const tmp = await fsp.mkdtemp(path.join(deps.tmpDir ?? os.tmpdir(), 'gw-kebir-'));
    const header = { company: c, periodStart: source.periodStart, periodEnd: source.periodEnd, ...fiscalYear, creationDate, sourceApplication };
    const yevmiye = await createPartedYevmiye({ ...header, controlNumber: control.Y, firstLineNumber: start.firstLineNumber }, deps.partBytes ?? DEFAULT_PART_BYTES, partFile('Y'));
    /** What one part of the month adds up to; its Büyük Defter is derived from its own entries. */
    const newPart = () => ({ kebir: createKebirBuilder({ tmpDir: tmp }), berat: createBeratTotals(), debit: 0n, credit: 0n, entries: 0, lines: 0 });
    let current = newPart();
    const yParts: Array<YevmiyePart<LedgerFileWriter>> = [];
    const kParts: Array<{ part: number; file: LedgerFileWriter; digest: string; sums: ReturnType<typeof newPart> }> = [];
    /** The Büyük Defter of a closed part, for the part's dates. */
    const closeKebir = async (y: YevmiyePart<LedgerFileWriter>, sums: ReturnType<typeof newPart>) => {
      yParts.push(y);
      const file = await partFile('K')(y.part);
      kParts.push({ part: y.part, file, digest: '', sums });
      const k = await sums.kebir.write(file.out, { ...header, controlNumber: control.K, periodStart: y.periodStart, periodEnd: y.periodEnd }, '');
      await sums.kebir.cleanup();
      if (k.debit !== sums.debit || k.credit !== sums.credit) {
        throw new GatewayError('LEDGER_UNBALANCED', { detail: `Yevmiye (${formatKurus(sums.debit)}) ve Büyük Defter (${formatKurus(k.debit)}) toplamları farklı` });
      }
      kParts[kParts.length - 1]!.digest = k.digest;
    };
    // The month's Defter Raporu (Berat Oluştur writes it): each main account's gross debit and credit, and line counts.
    const rapor = new Map<string, { name: string; debit: bigint; credit: bigint; debitCount: number; creditCount: number }>();
    try {
      const checker = createJournalChecker({ start: source.periodStart, end: source.periodEnd, firstEntryNumber: start.firstEntryNumber });
      let lineNumber = start.firstLineNumber;
      for await (const e of await sourceJournal(deps.files.pathOf(source.path), deps.maxUnzippedBytes, source.options)) {
        checker.check(e);
        const { closed } = await yevmiye.entry(e);
        if (closed) {
          await closeKebir(closed, current);
          current = newPart();
        }
        current.berat.add(e);
        await current.kebir.add(e, lineNumber);
        for (const l of e.lines) {
          const a = rapor.get(l.account) ?? { name: l.accountName, debit: 0n, credit: 0n, debitCount: 0, creditCount: 0 };
          if (l.side === 'D') (current.debit += l.amount), (a.debit += l.amount), a.debitCount++;
          else (current.credit += l.amount), (a.credit += l.amount), a.creditCount++;
          rapor.set(l.account, a);
        }
        current.entries++;
        current.lines += e.lines.length;
        lineNumber += e.lines.length;
      }
      const end = await yevmiye.end();
      await closeKebir(end.parts[end.parts.length - 1]!, current);
      for (const y of yParts) await checkRules(y, ledgerFileName(c.vkn, source.period, 'Y', y.part));
      const t = checker.totals();
      const stored = { Y: [] as StoredFile[], K: [] as StoredFile[] };
      for (const y of yParts) stored.Y.push(await y.file.commit());
      for (const k of kParts) stored.K.push(await k.file.commit());
      const common = { periodStart: source.periodStart, periodEnd: source.periodEnd, debit: formatKurus(t.debit), credit: formatKurus(t.credit), entries: t.entries, lines: t.lines, creationDate };
      await applyAll(books, 'BUILD', async (trx, b) => {
        const kind = b.book;
        for (const [i, y] of yParts.entries()) {
          const sums = kParts[i]!.sums;
          const file = stored[kind][i]!;
          const facts = { periodStart: y.periodStart, periodEnd: y.periodEnd, debit: formatKurus(sums.debit), credit: formatKurus(sums.credit), entries: sums.entries, lines: sums.lines, creationDate, digest: kind === 'Y' ? y.digest : kParts[i]!.digest, beratTotals: sums.berat.result() };
          await putFile(trx, { bookId: b.id, kind: 'LEDGER', part: y.part, fileName: ledgerFileName(c.vkn, source.period, kind, y.part), controlNumber: control[kind], path: file.path, sizeBytes: file.sizeBytes, sha256: file.sha256, signed: false, facts, createdAt: now() });
        }
        const raporAccounts = [...rapor].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([main, a]) => ({ main, name: a.name, debit: String(a.debit), credit: String(a.credit), debitCount: a.debitCount, creditCount: a.creditCount }));
        return { ...common, parts: yParts.length, ...(kind === 'Y' ? { lastEntryNumber: t.lastEntryNumber, nextLineNumber: end.nextLineNumber } : { raporAccounts }) };
      });
    } catch (err) {
      await yevmiye.abort();
      for (const f of [...yParts.map((y) => y.file), ...kParts.map((k) => k.file)]) await f.abort();
      if (isGatewayError(err) && err.fault.startsWith('LEDGER_') && err.fault !== 'LEDGER_NOT_FOUND' && err.fault !== 'LEDGER_SETTINGS') {
        await applyAll(books, 'CHECK_FAIL', async () => undefined, err);
        return;
      }
      throw err;
    } finally {
      await current.kebir.cleanup();
      for (const k of kParts) await k.sums.kebir.cleanup();
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * GİB's Yevmiye rules (edefter_yevmiye.sch, natively: src/ledger/yevmiye-rules.ts) on a built part, before anything
   * is signed: what the journal's checks do not cover (an account code of 2 characters, a sub-account that does not
   * start with its main account, …) is a check failure in GİB's words. The rules need the book as a tree, so a part
   * over RULES_MAX_BYTES is not checked this way (its entries passed the journal's checks; the tree would take ≈ 7×
   * the file). The unsigned book lacks only its ds:Signature, which the seal adds in the shape the rules ask.
   */
  async function checkRules(y: YevmiyePart<LedgerFileWriter>, fileName: string): Promise<void> {
    if (y.bytes > RULES_MAX_BYTES) return;
    await new Promise<void>((resolve, reject) => y.file.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const failures = yevmiyeRuleFailures(parseXml(await fsp.readFile(y.file.tempPath), { maxNodes: 10_000_000 }), fileName).filter((f) => f !== UNSIGNED);
    if (failures.length) throw new GatewayError('LEDGER_RULES', { detail: `${fileName}: ${failures.slice(0, 3).join(' ')}${failures.length > 3 ? ` (ve ${failures.length - 3} kural daha)` : ''}` });
  }

  /**
   * Seals a built file: the same bytes with ds:Signature before the root's end tag, under the name without
   * `.unsigned`. Returns the stored file and the SignatureValue (the berat carries it) with its Id.
   */
  async function seal(signer: Signer, vkn: string, period: string, f: LedgerFileRow) {
    let signature = await sealWith(signer, DEFTER_NAMESPACES, deps.clock())(String(f.facts.digest));
    if (deps.tsa && f.kind === 'BERAT') signature = await withSignatureTimestamp(signature, deps.tsa, DEFTER_NAMESPACES);
    const sv = /<ds:SignatureValue Id="([^"]+)">([^<]+)<\/ds:SignatureValue>/.exec(signature)!;
    const end = `${rootEnd(f.kind === 'BERAT' ? 'berat' : f.kind === 'RAPOR' ? 'defterraporu' : 'defter')}\n`; // how canonical-out ended the built file
    const tail = Buffer.from(`${signature}${end}`, 'utf8');
    const stored = await deps.files.copyWithTail(vkn, period, f.fileName, f.path, f.sizeBytes - Buffer.byteLength(end), tail);
    return { stored, signatureValue: sv[2]!, signatureValueId: sv[1]! };
  }

  /** Dosya İmzala / Berat İmzala: every unsigned file of the kind, sealed with the tenant's seal. */
  async function sign(books: LedgerBookRow[], kinds: ReadonlyArray<LedgerFileRow['kind']>, event: 'SIGN' | 'SIGN_BERAT') {
    const tenant = (await tenantById(db, books[0]!.tenantId))!;
    let signer: Signer;
    try {
      signer = await deps.signers.signerFor(tenant.id);
    } catch (err) {
      await deps.signers.drop(tenant.id);
      throw err;
    }
    const done = new Map<number, Array<{ from: LedgerFileRow; stored: Awaited<ReturnType<typeof seal>> }>>();
    for (const b of books) {
      const list = [];
      for (const f of (await filesOfBook(db, b.id)).filter((x) => kinds.includes(x.kind) && !x.signed)) {
        try {
          list.push({ from: f, stored: await seal(signer, tenant.vkn, b.period, f) });
        } catch (err) {
          if (isGatewayError(err) && err.spec.retryable) await deps.signers.drop(tenant.id);
          throw err;
        }
      }
      done.set(b.id, list);
    }
    await applyAll(books, event, async (trx, b) => {
      for (const { from, stored } of done.get(b.id)!) {
        const { signatureValue, signatureValueId } = stored;
        await putFile(trx, { ...from, path: stored.stored.path, sizeBytes: stored.stored.sizeBytes, sha256: stored.stored.sha256, signed: true, facts: { ...from.facts, signatureValue, signatureValueId }, createdAt: now() });
      }
    });
    for (const list of done.values()) for (const { from } of list) await deps.files.remove(from.path);
  }

  /** Berat Oluştur: each book part's berat, from the signed book's facts. */
  async function buildBerats(books: LedgerBookRow[]) {
    const c = await company(books[0]!.tenantId);
    const made = new Map<number, Array<{ row: Omit<LedgerFileRow, 'id'> }>>();
    for (const b of books) {
      const list = [];
      for (const f of (await filesOfBook(db, b.id)).filter((x) => x.kind === 'LEDGER')) {
        const name = ledgerFileName(c.vkn, b.period, `${b.book}B`, f.part);
        const out = await deps.files.create(c.vkn, b.period, `${name}.unsigned`, { hash: false });
        try {
          const facts = f.facts as { periodStart: string; periodEnd: string; creationDate: string; entries: number; signatureValue: string; signatureValueId: string; beratTotals: BeratAccountTotals };
          const written = await writeBerat(
            out.out,
            {
              book: b.book,
              company: c,
              controlNumber: f.controlNumber!,
              periodStart: facts.periodStart,
              periodEnd: facts.periodEnd,
              fiscalYearStart: `${b.period.slice(0, 4)}-01-01`,
              fiscalYearEnd: `${b.period.slice(0, 4)}-12-31`,
              creationDate: facts.creationDate,
              sourceApplication: `${c.vkn}##${c.title}##${deps.program}`,
              numberOfEntries: facts.entries,
              bookBytes: f.sizeBytes,
              signatureValue: { id: facts.signatureValueId, value: facts.signatureValue },
              totals: facts.beratTotals,
            },
            '',
          );
          const stored = await out.commit();
          list.push({ row: { bookId: b.id, kind: 'BERAT' as const, part: f.part, fileName: name, controlNumber: null, path: stored.path, sizeBytes: stored.sizeBytes, sha256: stored.sha256, signed: false, facts: { digest: written.digest, uuid: written.uuid }, createdAt: now() } });
        } catch (err) {
          await out.abort();
          throw err;
        }
      }
      if (b.book === 'K') list.push({ row: await buildRapor(b, c) });
      made.set(b.id, list);
    }
    await applyAll(books, 'BUILD_BERAT', async (trx, b) => {
      for (const { row } of made.get(b.id)!) await putFile(trx, row);
    });
  }

  /**
   * The month's Defter Raporu Beratı (Teknik Kılavuz §2.6): one for the month whatever its parts, from the whole
   * month's Büyük Defter (the main-account totals Dosya Oluştur kept); sealed with the berats, sent after them.
   */
  async function buildRapor(k: LedgerBookRow, c: LedgerCompany): Promise<Omit<LedgerFileRow, 'id'>> {
    const ctx = k.context as { periodStart: string; periodEnd: string; creationDate: string; raporAccounts?: Array<{ main: string; name: string; debit: string; credit: string; debitCount: number; creditCount: number }> };
    const name = ledgerFileName(c.vkn, k.period, 'DR', 0);
    const out = await deps.files.create(c.vkn, k.period, `${name}.unsigned`, { hash: false });
    try {
      const control = (await filesOfBook(db, k.id)).find((f) => f.kind === 'LEDGER')?.controlNumber ?? '';
      const written = await writeDefterRaporu(
        out.out,
        {
          company: c,
          controlNumber: control,
          periodStart: ctx.periodStart,
          periodEnd: ctx.periodEnd,
          fiscalYearStart: `${k.period.slice(0, 4)}-01-01`,
          fiscalYearEnd: `${k.period.slice(0, 4)}-12-31`,
          creationDate: ctx.creationDate,
          sourceApplication: `${c.vkn}##${c.title}##${deps.program}`,
          accounts: (ctx.raporAccounts ?? []).map((a) => ({ ...a, debit: BigInt(a.debit), credit: BigInt(a.credit) })),
        },
        '',
      );
      const stored = await out.commit();
      return { bookId: k.id, kind: 'RAPOR', part: 0, fileName: name, controlNumber: null, path: stored.path, sizeBytes: stored.sizeBytes, sha256: stored.sha256, signed: false, facts: { digest: written.digest, uuid: written.uuid }, createdAt: now() };
    } catch (err) {
      await out.abort();
      throw err;
    }
  }

  /** The tenant's seal, dropped from the registry when opening it failed (a wrong PIN is asked again next time). */
  async function sealOf(tenantId: number): Promise<Signer> {
    try {
      return await deps.signers.signerFor(tenantId);
    } catch (err) {
      await deps.signers.drop(tenantId);
      throw err;
    }
  }

  /** A call to GİB that failed: retryable ones are thrown as they are (the job tries again), GİB's refusals typed. */
  function gibFailure(err: unknown, what: string): unknown {
    if (isGibCallError(err) && !err.retryable) return new GatewayError('GIB_REFUSED', { detail: `${what}: ${err.message}` }, err);
    return err;
  }

  const packagesOf = (b: LedgerBookRow) => ((b.context as { packages?: string[] }).packages ?? []).map(String);
  /** The book's sealed berats, part by part, each with its sealed part of the book (`files`: the book's files). */
  function sealedParts(files: LedgerFileRow[]) {
    const berats = files.filter((f) => f.kind === 'BERAT' && f.signed);
    const parts = berats.map((berat) => ({ berat, ledger: files.find((f) => f.kind === 'LEDGER' && f.signed && f.part === berat.part), paketId: berat.fileName.replace(/\.xml$/, '') }));
    if (parts.length === 0 || parts.some((p) => !p.ledger)) throw new GatewayError('LEDGER_NOT_FOUND');
    return parts as Array<{ berat: LedgerFileRow; ledger: LedgerFileRow; paketId: string }>;
  }

  /** GİB'e Gönder: one package per part (`VKN-YYYYMM-YB-NNNNNN.zip`: the sealed part and its berat), in order. */
  async function send(b: LedgerBookRow): Promise<void> {
    const tenant = (await tenantById(db, b.tenantId))!;
    const seal = await sealOf(tenant.id);
    const files = await filesOfBook(db, b.id);
    // One package per part, then the month's Defter Raporu (on the K book) once every berat of the month is with GİB
    // (§2.7.2): after the Büyük Defter's.
    const packages = sealedParts(files).map((p) => ({ paketId: p.paketId, files: [p.ledger, p.berat] }));
    const rapor = files.find((f) => f.kind === 'RAPOR' && f.signed);
    if (rapor) packages.push({ paketId: rapor.fileName.replace(/\.xml$/, ''), files: [rapor] });
    const notes: string[] = [];
    for (const p of packages) {
      const zip = await zipFiles(p.files.map((f) => ({ name: f.fileName, path: deps.files.pathOf(f.path) })));
      try {
        const sent = await deps.gib!.client.sendPackage(`${p.paketId}.zip`, zip, seal);
        notes.push(`${p.paketId}${sent.duplicate ? ' (GİB paketi önceki denemede almıştı)' : ''}`);
      } catch (err) {
        throw gibFailure(err, `${p.paketId}.zip gönderilemedi`);
      }
    }
    await applyAll([b], 'SEND', async () => ({ packages: packages.map((p) => p.paketId), sentAt: now() }), undefined, `GİB'e gönderildi: ${notes.join(', ')}`);
  }

  /** GİB's verdict on the book's packages: all approved, one refused (with GİB's reason), or not yet (ask again later). */
  async function verdict(b: LedgerBookRow): Promise<{ runAgainAt: Date } | void> {
    const tenant = (await tenantById(db, b.tenantId))!;
    const seal = await sealOf(tenant.id);
    let pending = false;
    for (const paketId of packagesOf(b)) {
      let status;
      try {
        status = await deps.gib!.client.batchStatus(paketId, seal);
      } catch (err) {
        throw gibFailure(err, `${paketId} durumu sorgulanamadı`);
      }
      if (status.outcome === 'rejected') {
        const refusal = new GatewayError('LEDGER_GIB_REJECTED', { detail: `${paketId}: ${status.description}` });
        await applyAll([b], 'REJECT', async () => ({ lastError: { code: refusal.spec.code, text: refusal.message, at: now() } }), refusal);
        return;
      }
      pending ||= status.outcome === 'pending';
    }
    if (pending) return { runAgainAt: new Date(deps.clock().getTime() + deps.gib!.checkEveryMs) };
    await applyAll([b], 'APPROVE', async () => ({ approvedAt: now() }), undefined, `GİB onayladı: ${packagesOf(b).join(', ')}`);
  }

  /**
   * Onaylı Beratı İndir: GİB's approved berat of each part, kept once GİB's countersignature verifies over the
   * SignatureValue of the berat we sent and our own signature on it still verifies (the berat is ours, unchanged).
   */
  async function fetchApproved(b: LedgerBookRow): Promise<void> {
    const tenant = (await tenantById(db, b.tenantId))!;
    const seal = await sealOf(tenant.id);
    const roots = await deps.signers.trustedRoots();
    const gibRoots = [...roots, ...(await deps.gib!.sealRoots())].flatMap((r) => certificatesFrom(r));
    const rows: Array<Omit<LedgerFileRow, 'id'>> = [];
    for (const { berat, paketId } of sealedParts(await filesOfBook(db, b.id))) {
      let got: { fileName: string; zip: Buffer };
      try {
        got = await deps.gib!.client.approvedBerat(paketId, seal);
      } catch (err) {
        throw gibFailure(err, `${paketId} onaylı beratı indirilemedi`);
      }
      const name = `GIB-${berat.fileName}`;
      const bad = (detail: string) => new GatewayError('LEDGER_GIB_APPROVAL', { detail: `${name}: ${detail}` });
      const entries = await unpackFiles(got.zip, { maxEntries: 1, maxUnzippedBytes: 64 * 1024 * 1024 }).catch((err: unknown) => {
        throw bad(`paket açılamadı (${err instanceof Error ? err.message : String(err)})`);
      });
      const xml = entries.find((e) => e.name === name)?.bytes;
      if (!xml) throw bad(`pakette yok (${entries.map((e) => e.name).join(', ') || 'boş'})`);
      try {
        const approval = verifyApprovedBerat(xml, { trustedRoots: gibRoots, now: deps.clock() });
        if (approval.signatureValue !== String(berat.facts.signatureValue)) throw new BeratApprovalError('onay, gönderilen beratın imzasına ait değil');
        await verifyXml(xml, { trustedRoots: roots, expectedSignerId: tenant.vkn, now: deps.clock() });
      } catch (err) {
        throw bad(err instanceof Error ? err.message : String(err));
      }
      const out = await deps.files.create(tenant.vkn, b.period, name);
      let stored;
      try {
        await new Promise<void>((resolve, reject) => out.out.end(xml, (err?: Error | null) => (err ? reject(err) : resolve())));
        stored = await out.commit();
      } catch (err) {
        await out.abort();
        throw err;
      }
      rows.push({ bookId: b.id, kind: 'GIB_BERAT', part: berat.part, fileName: name, controlNumber: null, path: stored.path, sizeBytes: stored.sizeBytes, sha256: stored.sha256, signed: true, facts: { paketId }, createdAt: now() });
    }
    await applyAll([b], 'DOWNLOAD', async (trx) => {
      for (const row of rows) await putFile(trx, row);
      return { downloadedAt: now() };
    }, undefined, `GİB onaylı berat indirildi: ${rows.map((r) => r.fileName).join(', ')}`);
  }

  return {
    /**
     * The step's job failed for good without a verdict on the books (the seal, the disk, anything unexpected): the
     * books stay where they are and keep why, for GetLedgerStatus; asking for the step again starts it over.
     */
    async failed(bookId: number, err: unknown): Promise<void> {
      const book = await bookById(db, bookId);
      if (!book) return;
      const e = isGatewayError(err) && err.fault !== 'INTERNAL' ? err : new GatewayError('INTERNAL');
      const books = (await booksOfPeriod(db, book.tenantId, book.period)).filter((b) => !['CHECK_FAILED', 'GIB_REJECTED', 'DOWNLOADED'].includes(b.state));
      await deps.writer.run(async (trx) => {
        for (const b of books) {
          await store.apply(entities.ledgerBook(b.id), { event: 'STEP_FAIL', actor: 'worker', reason: e.message, code: e.spec.code, contextPatch: { lastError: { code: e.spec.code, text: e.message, at: now() } } }, trx);
        }
      });
    },

    /**
     * One step of the month of `bookId`'s book towards its goal; nothing when the goal is reached. The job of the
     * book changed last drives the month (a transition of both books starts two jobs: one of them works), so each
     * step is done once; waiting for GİB's verdict asks to run again later.
     */
    async advance(bookId: number): Promise<{ runAgainAt: Date } | void> {
      const book = await bookById(db, bookId);
      if (!book) return;
      const books = await booksOfPeriod(db, book.tenantId, book.period);
      const y = books.find((b) => b.book === 'Y');
      const k = books.find((b) => b.book === 'K');
      const goal = (book.context as { goal?: string }).goal;
      if (!y || !k || !goal || books.every((b) => reached(b.state, goal))) return;
      if ((await lastChangedBook(db, [y.id, k.id])) !== book.id) return;
      if (y.state === k.state && LOCAL_STEPS.has(y.state)) {
        if (y.state === 'NOT_STARTED') await build(books);
        else if (y.state === 'FILE_CREATED') await sign(books, ['LEDGER'], 'SIGN');
        else if (y.state === 'FILE_SIGNED') await buildBerats(books);
        else await sign(books, ['BERAT', 'RAPOR'], 'SIGN_BERAT');
        return;
      }
      if (!deps.gib) return;
      const wants = (b: LedgerBookRow) => !reached(b.state, goal);
      const download = goal === 'DOWNLOADED';
      // The Yevmiye first; the Büyük Defter once GİB approved it (GİB refuses it before: 114).
      if (y.state === 'BERAT_SIGNED' && wants(y)) return send(y);
      if (y.state === 'SENT' && (wants(y) || (k.state === 'BERAT_SIGNED' && wants(k)))) return verdict(y);
      if (k.state === 'BERAT_SIGNED' && wants(k) && reached(y.state, 'APPROVED')) return send(k);
      if (y.state === 'APPROVED' && download) return fetchApproved(y);
      if (k.state === 'SENT' && wants(k)) return verdict(k);
      if (k.state === 'APPROVED' && download) return fetchApproved(k);
    },
  };
}

export type LedgerSteps = ReturnType<typeof createLedgerSteps>;

/** Largest built part GİB's rules are run on natively (the tree of a book takes ≈ 7× its size). */
const RULES_MAX_BYTES = 8 * 1024 * 1024;
/** The one rule an unsigned book fails (edefter_yevmiye.sch, pattern "defter"). */
const UNSIGNED = 'ds:Signature zorunlu bir elemandır.';

/** States whose next step is the month's local work, done for both books at once. */
const LOCAL_STEPS = new Set(['NOT_STARTED', 'FILE_CREATED', 'FILE_SIGNED', 'BERAT_CREATED']);
