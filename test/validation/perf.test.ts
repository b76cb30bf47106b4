/**
 * The cost of validate() per invoice, the figures quoted at the top of src/validation/index.ts (measured by
 * perf-bench.ts in a fresh process; GW_PERF_RUNS raises the count). The bounds asserted here are loose, for slower
 * CI machines; the target is "well under 1 ms" without XSD for a 10-line invoice.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';

describe('validation: cost per invoice', function () {
  this.timeout(180_000);

  it('10-line invoice: well under 1 ms without XSD, and not much more with it', () => {
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(__dirname, 'perf-bench.ts')], { encoding: 'utf8', cwd: path.resolve(__dirname, '..', '..') });
    expect(r.status, r.stderr).to.equal(0);
    const m = JSON.parse(r.stdout) as Record<string, number>;
    const ms = (v: number): string => `${v.toFixed(3)} ms`;
    console.log(`      validate() of a 10-line invoice (${m.bytes} B): no XSD ${ms(m.noXsd!)}, XSD ${ms(m.xsd!)}, ` +
      `XSD + zip ${ms(m.xsdZip!)}, XSD + schematron ${ms(m.xsdSchematron!)}; 500 lines (${m.bigBytes} B): XSD ${ms(m.big500Xsd!)}, ` +
      `XSD + schematron ${ms(m.big500Full!)}`);
    expect(m.noXsd).to.be.lessThan(1);
    expect(m.xsd).to.be.lessThan(2);
    expect(m.xsdZip).to.be.lessThan(3);
    expect(m.xsdSchematron).to.be.lessThan(3);
  });
});
