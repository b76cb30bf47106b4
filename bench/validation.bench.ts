/**
 * validate() per invoice (the figures at the top of src/validation/index.ts): `npx tsx bench/validation.bench.ts`
 * (GW_PERF_RUNS=5000 by default: the mean of that many after 1,000 warm-up runs). Then XSD + schematron on invoices
 * of 10, 1,000 and 10,000 lines — the native median beside Saxon-HE running GİB's own schematron (compiled once, as
 * the differential test does) on the same files, Saxon's average execution time without JVM start, compilation or
 * parse (BENCH_SAXON=0 skips it). Prints one line per case, then the figures as JSON. Needs GİB's package at
 * ../shared/gib (GW_SHARED_DIR) and, for Saxon, Debian's libsaxonhe-java.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInvoiceValidator, type InvoiceValidator, type ValidateOptions } from '../src/validation';
import { compileGibSchematron, saxon, saxonAvailable } from '../test/helpers/gib-schematron';
import { makeInvoice } from '../test/helpers/invoices';
import { GIB_DIR, UBL_XSD_DIR } from '../test/helpers/paths';
import { yazlZip } from '../test/zip/zip-fixtures';

async function meanMs(v: InvoiceValidator, input: Buffer, o: ValidateOptions, runs: number): Promise<number> {
  for (let i = 0; i < 1000; i++) await v.validate(input, o);
  const t = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await v.validate(input, o);
  return Number(process.hrtime.bigint() - t) / runs / 1e6;
}

async function medianMs(v: InvoiceValidator, input: Buffer, o: ValidateOptions, runs: number): Promise<number> {
  await v.validate(input, o);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await v.validate(input, o);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Saxon-HE's average execution time of GİB's compiled schematron on `file` over `repeat` runs, ms. */
function saxonMs(xsl: string, file: string, repeat: number): number {
  const log = saxon(['-t', `-repeat:${repeat}`, `-s:${file}`, `-xsl:${xsl}`, `-o:${file}.svrl`]);
  // "… 11.0ms", or "1.35s (1351.7ms)" past a second; with one run there is no average, only its execution time.
  const avg = /Average execution time over last \d+ runs: (?:[\d.]+s \()?([\d.]+)ms/.exec(log);
  const each = [...log.matchAll(/Execution time: (?:[\d.]+s \()?([\d.]+)ms/g)];
  return Number((avg ?? each[each.length - 1])![1]);
}

async function main(): Promise<void> {
  const runs = Number(process.env.GW_PERF_RUNS ?? 5000);
  const xml = Buffer.from(makeInvoice({ lines: 10 }));
  const big = Buffer.from(makeInvoice({ lines: 500 }));
  const zip = await yazlZip([{ name: 'invoice.xml', data: xml }]);
  const limits = { maxUnzippedBytes: 10 * 1024 * 1024 };
  const noXsd = createInvoiceValidator(limits);
  const withXsd = createInvoiceValidator({ ...limits, xsdDir: UBL_XSD_DIR });
  const full = createInvoiceValidator({ ...limits, xsdDir: UBL_XSD_DIR, schematronDir: `${GIB_DIR}/e-fatura-paketi/schematron` });
  const o: ValidateOptions = { container: 'auto', numberWillBeAssigned: false };
  const result = {
    bytes: xml.length,
    noXsd: await meanMs(noXsd, xml, o, runs),
    xsd: await meanMs(withXsd, xml, o, runs),
    xsdZip: await meanMs(withXsd, zip, o, runs),
    xsdSchematron: await meanMs(full, xml, o, runs),
    bigBytes: big.length,
    big500Xsd: await meanMs(withXsd, big, o, Math.ceil(runs / 20)),
    big500Full: await meanMs(full, big, o, Math.ceil(runs / 20)),
  };
  const sizes: Array<{ lines: number; bytes: number; native: number; saxon: number | null }> = [];
  const useSaxon = process.env.BENCH_SAXON !== '0' && saxonAvailable();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-validation-'));
  try {
    const xsl = useSaxon ? compileGibSchematron(work) : null;
    for (const [lines, nativeRuns, saxonRuns] of [[10, 2001, 20], [1000, 21, 3], [10000, 5, 1]] as const) {
      const doc = Buffer.from(makeInvoice({ lines }));
      const file = path.join(work, `invoice-${lines}.xml`);
      fs.writeFileSync(file, doc);
      sizes.push({ lines, bytes: doc.length, native: await medianMs(full, doc, o, nativeRuns), saxon: xsl ? saxonMs(xsl, file, saxonRuns) : null });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const ms = (v: number): string => `${v.toFixed(3)} ms`;
  console.log(`validate() of a ${result.bytes} B, 10-line invoice: no XSD ${ms(result.noXsd)}, XSD ${ms(result.xsd)}, XSD + zip ${ms(result.xsdZip)}, XSD + schematron ${ms(result.xsdSchematron)}`);
  console.log(`validate() of a ${result.bigBytes} B, 500-line invoice: XSD ${ms(result.big500Xsd)}, XSD + schematron ${ms(result.big500Full)}`);
  for (const z of sizes) {
    console.log(`XSD + schematron, ${z.lines} lines (${z.bytes} B): native median ${ms(z.native)}${z.saxon === null ? '' : `, Saxon-HE running GİB's schematron ${ms(z.saxon)}`}`);
  }
  console.log(JSON.stringify({ ...result, sizes }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
