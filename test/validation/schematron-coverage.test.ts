/**
 * Every assertion of GİB's invoice schematron has a native counterpart: the rules UBL-TR_Main_Schematron.xml applies
 * to an invoice (pattern "invoice" and the general rules) are read from GİB's files, each assertion's text split at
 * its <sch:value-of>/<sch:name> into the words GİB writes, and the native checks (src/validation/ubl-tr/rules.ts and
 * schematron.ts) must name the rule and hold the whole text verbatim, each value a `${…}` — or be exempted here
 * with its reason. What the natives do with them is held by the differential test (schematron.test.ts) against
 * GİB's schematron run by Saxon-HE.
 */
import path from 'node:path';
import { expect } from 'chai';
import { invoiceAssertions, invoiceRuleIds, withoutNativeCounterpart } from '../helpers/gib-schematron';
import { REPO_DIR } from '../helpers/paths';

/** Assertions the gateway does not implement natively, each with its reason. */
const ENVELOPE = 'reads the envelope ($senderId, $receiverId, $receiverAlias from sh:StandardBusinessDocumentHeader), ' +
  'which an invoice does not have when SendInvoice checks it: GİB\'s schematron run on the invoice alone (as in the ' +
  'differential test) passes it, and the gateway writes the envelope itself from the invoice\'s parties afterwards';
const EXEMPT: Record<string, string> = {
  'ProfileIDCheck#3': 'type=goruntuleme is GİB\'s display service, not a channel an invoice is sent on',
  'DocumentSenderCheck#1': ENVELOPE,
  'DocumentSenderCheck#2': ENVELOPE,
  'DocumentReceiverCheck#1': ENVELOPE,
  'DocumentReceiverCheck#2': ENVELOPE,
  'IhracatYolcuBeraberCheck#1': ENVELOPE,
  'IhracatYolcuBeraberCheck#2': ENVELOPE,
};

describe('GİB\'s invoice schematron, assertion by assertion', () => {
  const assertions = invoiceAssertions();

  it('reads GİB\'s files: the invoice pattern\'s rules and their assertions', () => {
    expect(invoiceRuleIds()).to.include.members(['ProfileIDCheck', 'TimeCheck', 'CountryCodeCheck', 'InvoicedQuantityCheck', 'XadesSignatureCheckForInvoice']);
    expect(assertions.length).to.be.greaterThan(120); // 127 in the rules of 20260312
  });

  it('each has a native counterpart with GİB\'s words, or a reasoned exemption', () => {
    const native = ['rules.ts', 'schematron.ts'].map((f) => path.join(REPO_DIR, 'src', 'validation', 'ubl-tr', f));
    expect(withoutNativeCounterpart(assertions, native, EXEMPT)).to.deep.equal([]);
  });

  it('exempts only assertions that exist', () => {
    const keys = new Set(assertions.map((a) => `${a.rule}#${a.n}`));
    expect(Object.keys(EXEMPT).filter((k) => !keys.has(k))).to.deep.equal([]);
  });
});
