/**
 * validate() per invoice (the figures at the top of src/validation/index.ts): `npx tsx bench/validation.bench.ts`
 * (GW_PERF_RUNS=5000 by default: the mean of that many after 1,000 warm-up runs). Prints one line per case, then the
 * figures as JSON. Needs GİB's package at ../shared/gib (GW_SHARED_DIR).
 */
import { createInvoiceValidator, type InvoiceValidator, type ValidateOptions } from '../src/validation';
import { makeInvoice } from '../test/helpers/invoices';
import { GIB_DIR, UBL_XSD_DIR } from '../test/helpers/paths';
import { yazlZip } from '../test/zip/zip-fixtures';

async function meanMs(v: InvoiceValidator, input: Buffer, o: ValidateOptions, runs: number): Promise<number> {
  for (let i = 0; i < 1000; i++) await v.validate(input, o);
  const t = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await v.validate(input, o);
  return Number(process.hrtime.bigint() - t) / runs / 1e6;
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
  const ms = (v: number): string => `${v.toFixed(3)} ms`;
  console.log(`validate() of a ${result.bytes} B, 10-line invoice: no XSD ${ms(result.noXsd)}, XSD ${ms(result.xsd)}, XSD + zip ${ms(result.xsdZip)}, XSD + schematron ${ms(result.xsdSchematron)}`);
  console.log(`validate() of a ${result.bigBytes} B, 500-line invoice: XSD ${ms(result.big500Xsd)}, XSD + schematron ${ms(result.big500Full)}`);
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
