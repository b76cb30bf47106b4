import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { FAULTS, GatewayError, formatFault } from '../src/faults';
import { REPO_DIR } from './helpers/paths';

describe('fault catalogue', () => {
  const entries = Object.entries(FAULTS);

  it('no code is used twice', () => {
    const codes = entries.map(([, spec]) => spec.code);
    expect(new Set(codes).size).to.equal(codes.length);
  });

  it('every fault is documented in the README fault table with its code and name', () => {
    const readme = fs.readFileSync(path.join(REPO_DIR, 'README.md'), 'utf8');
    for (const [name, spec] of entries) {
      expect(readme, name).to.match(new RegExp(`\\|\\s*${spec.code}\\s*\\|\\s*\`?${name}\`?\\s*\\|`));
      // …and with the message the gateway sends, word for word.
      const row = readme.split('\n').find((l) => l.startsWith(`| ${spec.code} | ${name} | ${spec.soap.slice(5)} |`));
      expect(row?.split(' | ')[3], name).to.equal(spec.message);
    }
  });

  it('messages are Turkish upper-case text without internal detail, and templates fill and cut their values', () => {
    for (const [name, spec] of entries) {
      expect(spec.message, name).to.match(/^[A-Z0-9ÇĞİÖŞÜ '(),.:\-/{}#a-zçğıöşü_]+$/);
      expect(spec.soap).to.be.oneOf(['soap:Client', 'soap:Server']);
    }
    expect(formatFault('A {x} B', { x: 'y'.repeat(400) })).to.have.length(2 + 300 + 1 + 2);
    const e = new GatewayError('TENANT_MISMATCH', { vkn: '1111111111' });
    expect(e.message).to.equal('GONDERICI VKN/TCKN (1111111111) KULLANICININ FIRMASINA AIT DEGIL');
    expect(e.code).to.equal(4107);
  });

  it('reuses GİB’s Ek-2 codes for the checks GİB also makes', () => {
    expect(FAULTS.ZIP_ONE_FILE.code).to.equal(1131);
    expect(FAULTS.XSD_INVALID.code).to.equal(1160);
    expect(FAULTS.DUPLICATE_INVOICE.code).to.equal(1163);
  });
});
