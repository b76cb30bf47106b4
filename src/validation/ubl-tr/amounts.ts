/**
 * Do the invoice's amounts add up? GİB's schematron checks no arithmetic at all (only that LegalMonetaryTotal and
 * TaxTotal amounts have at most two decimals, `decimalCheck` in UBL-TR_Common_Schematron.xml), so these relations
 * are the gateway's own, learnt from UBL 2.1's definitions and from the conventions GİB's UBL-TR 1.2.1 samples use:
 *
 *   line        LineExtensionAmount = InvoicedQuantity × PriceAmount − line allowances + line charges
 *   lines       LegalMonetaryTotal/LineExtensionAmount = Σ line LineExtensionAmount            (net, UBL)
 *                 or Σ (line LineExtensionAmount + line allowances − line charges)              (gross: the
 *                 "Mal Hizmet Toplam Tutarı" before line discounts, TicariFaturaOrnegi.xml, whose
 *                 AllowanceTotalAmount then holds the line discounts)
 *   tax total   TaxTotal/TaxAmount = Σ TaxSubtotal/TaxAmount, leaving out subtotals marked
 *                 CalculationSequenceNumeric = -1 ("fatura tutarına eklenmeyecek": YTB_Istisna_*.xml);
 *                 with withholding, minus the withheld tax (TEVKIFAT.xml, YTB_Tevkifat_*.xml: 3600 − 3240 = 360)
 *               WithholdingTaxTotal/TaxAmount = Σ its TaxSubtotal/TaxAmount; the same per line
 *   doc a/c     AllowanceTotalAmount = Σ document-level allowances (ChargeIndicator false), or that plus the line
 *                 allowances in the gross convention; ChargeTotalAmount likewise with charges (absent = 0)
 *   exclusive   TaxExclusiveAmount = LineExtensionAmount − AllowanceTotalAmount + ChargeTotalAmount
 *   inclusive   TaxInclusiveAmount = TaxExclusiveAmount + Σ TaxSubtotal/TaxAmount, leaving out the -1 subtotals and
 *                 KDV on a special base (özel matrah exemption codes 801–812: OZELMATRAH.xml), and counting the
 *                 withheld KDV in full (TEVKIFAT.xml: 20000 + 3600 = 23600)
 *   payable     PayableAmount = TaxInclusiveAmount − withholding + PayableRoundingAmount
 *               HKS commission invoices (ProfileID HKS, type KOMISYONCU/HKSKOMISYONCU) deduct their document-level
 *               allowances (commission, freight, stopaj…) after tax instead: TaxExclusiveAmount = LineExtension-
 *               Amount and PayableAmount = TaxInclusiveAmount − withholding − allowances + charges (HKS-Ornek2.xml).
 *
 * Tolerance: |written − computed| < 0.01. Between amounts of at most two decimals that is exact equality (any
 * difference is at least a kuruş); with finer values (quantities, unit prices, 4-decimal subtotals) it admits the
 * rounding of the result to kuruş. Mismatch → AMOUNT_MISMATCH naming the field and both numbers.
 *
 * Beside the amounts, two consistencies GİB does not check either: cbc:LineCountNumeric, when written, is the number
 * of invoice lines (LINE_COUNT_MISMATCH), and every amount is in the document's currency (CURRENCY_MISMATCH).
 *
 * Every inconsistency is collected, not only the first: whether they refuse the invoice or travel with it as
 * warnings is the tenant's policy (src/validation/index.ts). A missing amount or one that is no number is another
 * matter — GİB's XSD refuses it — and throws at once (REQUIRED_FIELD, AMOUNT_MISMATCH).
 */
import { GatewayError } from '../../faults';
import type { XmlElement } from '../../xml/parse';
import { childrenNamed, firstChild } from '../../xml/query';
import { Dec, KURUS } from './decimal';
import { OZEL_MATRAH_EXEMPTION_CODES } from './codes';
import * as NS from './names';

// Local copies of the namespaces: imported bindings are property reads on every use.
const CAC = NS.CAC;
const CBC = NS.CBC;

function near(a: Dec, b: Dec): boolean {
  return a.sub(b).abs().cmp(KURUS) < 0;
}

function mismatch(detail: string): GatewayError {
  return new GatewayError('AMOUNT_MISMATCH', { detail });
}

/** One inconsistency: the fault it would be under the refuse policy, and what it says. */
export interface Inconsistency {
  fault: 'AMOUNT_MISMATCH' | 'LINE_COUNT_MISMATCH' | 'CURRENCY_MISMATCH';
  detail: string;
}

/** Where the checks of one invoice put what they find. */
type Found = Inconsistency[];

function amountMismatch(found: Found, detail: string): void {
  found.push({ fault: 'AMOUNT_MISMATCH', detail });
}

function parseAmount(el: XmlElement, field: string): Dec {
  const v = Dec.parse(el.text);
  if (!v) throw mismatch(`${field} '${el.text.trim().slice(0, 40)}' is not a decimal number`);
  return v;
}

function required(parent: XmlElement, ns: string, local: string, field: string): Dec {
  const el = firstChild(parent, ns, local);
  if (!el) throw new GatewayError('REQUIRED_FIELD', { field });
  return parseAmount(el, field);
}

function optional(parent: XmlElement, ns: string, local: string, field: string): Dec {
  const el = firstChild(parent, ns, local);
  return el ? parseAmount(el, field) : Dec.ZERO;
}

interface AllowanceCharges {
  allowances: Dec;
  charges: Dec;
}

function allowanceCharges(parent: XmlElement, path: string): AllowanceCharges {
  let allowances = Dec.ZERO;
  let charges = Dec.ZERO;
  let n = 0;
  for (const ac of parent.children) {
    if (ac.local !== 'AllowanceCharge' || ac.ns !== CAC) continue;
    n++;
    const field = `${path}/cac:AllowanceCharge[${n}]`;
    const ind = firstChild(ac, CBC, 'ChargeIndicator');
    if (!ind) throw new GatewayError('REQUIRED_FIELD', { field: `${field}/cbc:ChargeIndicator` });
    const flag = ind.text.trim();
    const amount = required(ac, CBC, 'Amount', `${field}/cbc:Amount`);
    if (flag === 'true' || flag === '1') charges = charges.add(amount);
    else if (flag === 'false' || flag === '0') allowances = allowances.add(amount);
    else throw mismatch(`${field}/cbc:ChargeIndicator '${flag.slice(0, 20)}' is not a boolean`);
  }
  return { allowances, charges };
}

interface TaxSums {
  /** Σ subtotal TaxAmount, CalculationSequenceNumeric = -1 left out. */
  counted: Dec;
  /** What is charged on top of the exclusive amount: `counted` without KDV on a special base. */
  added: Dec;
}

/** Checks one TaxTotal against its subtotals and returns its sums. */
function taxTotal(found: Found, tt: XmlElement, path: string, withholding: Dec): TaxSums {
  const declared = required(tt, CBC, 'TaxAmount', `${path}/cbc:TaxAmount`);
  let counted = Dec.ZERO;
  let added = Dec.ZERO;
  let n = 0;
  for (const st of tt.children) {
    if (st.local !== 'TaxSubtotal' || st.ns !== CAC) continue;
    n++;
    const amount = required(st, CBC, 'TaxAmount', `${path}/cac:TaxSubtotal[${n}]/cbc:TaxAmount`);
    const seq = firstChild(st, CBC, 'CalculationSequenceNumeric');
    if (seq && Dec.parse(seq.text)?.eq(Dec.of(-1n, 0))) continue;
    counted = counted.add(amount);
    const category = firstChild(st, CAC, 'TaxCategory');
    const code = category && firstChild(category, CBC, 'TaxExemptionReasonCode');
    if (code && OZEL_MATRAH_EXEMPTION_CODES.has(code.text.trim())) continue;
    added = added.add(amount);
  }
  if (!near(declared, counted) && !(!withholding.isZero() && near(declared, counted.sub(withholding)))) {
    const alt = withholding.isZero() ? '' : ` (or ${counted.sub(withholding)} after withholding ${withholding})`;
    amountMismatch(found, `${path}/cbc:TaxAmount ${declared} ≠ Σ cac:TaxSubtotal/cbc:TaxAmount = ${counted}${alt}`);
  }
  return { counted, added };
}

/** Checks every WithholdingTaxTotal under parent and returns their total. */
function withholdingTotals(found: Found, parent: XmlElement, path: string): Dec {
  let total = Dec.ZERO;
  let n = 0;
  for (const wt of parent.children) {
    if (wt.local !== 'WithholdingTaxTotal' || wt.ns !== CAC) continue;
    n++;
    const field = `${path}/cac:WithholdingTaxTotal[${n}]`;
    const declared = required(wt, CBC, 'TaxAmount', `${field}/cbc:TaxAmount`);
    let subs = Dec.ZERO;
    let k = 0;
    for (const st of childrenNamed(wt, CAC, 'TaxSubtotal')) {
      k++;
      subs = subs.add(required(st, CBC, 'TaxAmount', `${field}/cac:TaxSubtotal[${k}]/cbc:TaxAmount`));
    }
    if (!near(declared, subs)) amountMismatch(found, `${field}/cbc:TaxAmount ${declared} ≠ Σ cac:TaxSubtotal/cbc:TaxAmount = ${subs}`);
    total = total.add(declared);
  }
  return total;
}

export interface AmountContext {
  profileId: string;
  typeCode: string;
}

/**
 * Every relation of the amounts that does not hold, LineCountNumeric and the currencies (see the file comment); throws
 * REQUIRED_FIELD for a missing amount and AMOUNT_MISMATCH for one that is no number.
 */
export function invoiceInconsistencies(root: XmlElement, ctx: AmountContext): Inconsistency[] {
  const found: Found = [];
  let net = Dec.ZERO;
  let gross = Dec.ZERO;
  let lineAllowances = Dec.ZERO;
  let lineCharges = Dec.ZERO;
  let i = 0;
  for (const line of root.children) {
    if (line.local !== 'InvoiceLine' || line.ns !== CAC) continue;
    i++;
    const idText = firstChild(line, CBC, 'ID')?.text.trim();
    const path = `cac:InvoiceLine[${i}]${idText ? ` (cbc:ID ${idText.slice(0, 20)})` : ''}`;
    const qty = required(line, CBC, 'InvoicedQuantity', `${path}/cbc:InvoicedQuantity`);
    const lea = required(line, CBC, 'LineExtensionAmount', `${path}/cbc:LineExtensionAmount`);
    const price = firstChild(line, CAC, 'Price');
    if (!price) throw new GatewayError('REQUIRED_FIELD', { field: `${path}/cac:Price/cbc:PriceAmount` });
    const unit = required(price, CBC, 'PriceAmount', `${path}/cac:Price/cbc:PriceAmount`);
    const ac = allowanceCharges(line, path);
    const expected = qty.mul(unit).sub(ac.allowances).add(ac.charges);
    if (!near(lea, expected)) {
      const parts = `${qty} × ${unit}${ac.allowances.isZero() ? '' : ` − ${ac.allowances}`}${ac.charges.isZero() ? '' : ` + ${ac.charges}`}`;
      amountMismatch(found, `${path}/cbc:LineExtensionAmount ${lea} ≠ ${parts} = ${expected}`);
    }
    net = net.add(lea);
    gross = gross.add(lea).add(ac.allowances).sub(ac.charges);
    lineAllowances = lineAllowances.add(ac.allowances);
    lineCharges = lineCharges.add(ac.charges);
    const lineWithholding = withholdingTotals(found, line, path);
    const ltt = firstChild(line, CAC, 'TaxTotal');
    if (ltt) taxTotal(found, ltt, `${path}/cac:TaxTotal`, lineWithholding);
  }

  const docAc = allowanceCharges(root, 'cac:Invoice');
  const withholding = withholdingTotals(found, root, 'cac:Invoice');
  let taxAdded = Dec.ZERO;
  let t = 0;
  for (const tt of root.children) {
    if (tt.local !== 'TaxTotal' || tt.ns !== CAC) continue;
    t++;
    taxAdded = taxAdded.add(taxTotal(found, tt, `cac:TaxTotal[${t}]`, withholding).added);
  }

  const lmt = firstChild(root, CAC, 'LegalMonetaryTotal');
  if (!lmt) throw new GatewayError('REQUIRED_FIELD', { field: 'cac:LegalMonetaryTotal' });
  const P = 'cac:LegalMonetaryTotal';
  const lineTotal = required(lmt, CBC, 'LineExtensionAmount', `${P}/cbc:LineExtensionAmount`);
  const exclusive = required(lmt, CBC, 'TaxExclusiveAmount', `${P}/cbc:TaxExclusiveAmount`);
  const inclusive = required(lmt, CBC, 'TaxInclusiveAmount', `${P}/cbc:TaxInclusiveAmount`);
  const allowanceTotal = optional(lmt, CBC, 'AllowanceTotalAmount', `${P}/cbc:AllowanceTotalAmount`);
  const chargeTotal = optional(lmt, CBC, 'ChargeTotalAmount', `${P}/cbc:ChargeTotalAmount`);
  const rounding = optional(lmt, CBC, 'PayableRoundingAmount', `${P}/cbc:PayableRoundingAmount`);
  const payable = required(lmt, CBC, 'PayableAmount', `${P}/cbc:PayableAmount`);

  if (!near(lineTotal, net) && !near(lineTotal, gross)) {
    const alt = gross.eq(net) ? '' : ` (or ${gross} before line allowances/charges)`;
    amountMismatch(found, `${P}/cbc:LineExtensionAmount ${lineTotal} ≠ Σ cac:InvoiceLine/cbc:LineExtensionAmount = ${net}${alt}`);
  }

  const hksDeductions = ctx.profileId === 'HKS' || ctx.typeCode === 'KOMISYONCU' || ctx.typeCode === 'HKSKOMISYONCU';
  const exclusiveStd = lineTotal.sub(allowanceTotal).add(chargeTotal);
  const payableStd = inclusive.sub(withholding).add(rounding);
  const payableHks = payableStd.sub(docAc.allowances).add(docAc.charges);
  const hksForm = hksDeductions && near(exclusive, lineTotal) && near(payable, payableHks);
  if (!hksForm) {
    if (!near(allowanceTotal, docAc.allowances) && !near(allowanceTotal, docAc.allowances.add(lineAllowances))) {
      const alt = lineAllowances.isZero() ? '' : ` (or ${docAc.allowances.add(lineAllowances)} with the line allowances)`;
      amountMismatch(found, `${P}/cbc:AllowanceTotalAmount ${allowanceTotal} ≠ Σ cac:AllowanceCharge[cbc:ChargeIndicator=false]/cbc:Amount = ${docAc.allowances}${alt}`);
    }
    if (!near(chargeTotal, docAc.charges) && !near(chargeTotal, docAc.charges.add(lineCharges))) {
      const alt = lineCharges.isZero() ? '' : ` (or ${docAc.charges.add(lineCharges)} with the line charges)`;
      amountMismatch(found, `${P}/cbc:ChargeTotalAmount ${chargeTotal} ≠ Σ cac:AllowanceCharge[cbc:ChargeIndicator=true]/cbc:Amount = ${docAc.charges}${alt}`);
    }
    if (!near(exclusive, exclusiveStd)) {
      amountMismatch(found, `${P}/cbc:TaxExclusiveAmount ${exclusive} ≠ LineExtensionAmount ${lineTotal} − AllowanceTotalAmount ${allowanceTotal} + ChargeTotalAmount ${chargeTotal} = ${exclusiveStd}`);
    }
  }
  const inclusiveExpected = exclusive.add(taxAdded);
  if (!near(inclusive, inclusiveExpected)) {
    amountMismatch(found, `${P}/cbc:TaxInclusiveAmount ${inclusive} ≠ TaxExclusiveAmount ${exclusive} + taxes ${taxAdded} = ${inclusiveExpected}`);
  }
  if (!hksForm && !near(payable, payableStd)) {
    const parts = `TaxInclusiveAmount ${inclusive}${withholding.isZero() ? '' : ` − withholding ${withholding}`}${rounding.isZero() ? '' : ` + PayableRoundingAmount ${rounding}`}`;
    amountMismatch(found, `${P}/cbc:PayableAmount ${payable} ≠ ${parts} = ${payableStd}`);
  }

  const lineCount = firstChild(root, CBC, 'LineCountNumeric');
  if (lineCount && Dec.parse(lineCount.text)?.eq(Dec.of(BigInt(i), 0)) !== true) {
    found.push({ fault: 'LINE_COUNT_MISMATCH', detail: `cbc:LineCountNumeric ${lineCount.text.trim().slice(0, 20)} ≠ ${i} cac:InvoiceLine` });
  }
  const currency = firstChild(root, CBC, 'DocumentCurrencyCode')?.text.trim();
  if (currency) otherCurrencies(found, root, currency);
  return found;
}

/**
 * Every currencyID in the invoice but in its extensions (the signature) and attachments, against the document's
 * currency: one finding per element name and currency, so a line in USD on a TRY invoice is one line of the answer.
 */
function otherCurrencies(found: Found, root: XmlElement, currency: string): void {
  const seen = new Set<string>();
  // The elements on the way down; their names are joined only for a finding (this walk visits every element).
  const stack: XmlElement[] = [];
  const walk = (el: XmlElement): void => {
    stack.push(el);
    for (const a of el.attrs) {
      if (a.local !== 'currencyID' || a.ns !== '' || a.value.trim() === currency) continue;
      const where = stack.map((e) => e.qname).join('/');
      const key = `${where}\n${a.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ fault: 'CURRENCY_MISMATCH', detail: `${where}/@currencyID ${a.value.trim().slice(0, 10)} ≠ cbc:DocumentCurrencyCode ${currency}` });
    }
    const kids = el.children;
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i]!;
      if (c.children.length > 0) walk(c);
      else if (c.attrs.length > 0) checkLeaf(c);
    }
    stack.pop();
  };
  // Most elements are leaves: their currencyID checked without a frame of their own.
  const checkLeaf = (el: XmlElement): void => {
    for (const a of el.attrs) {
      if (a.local === 'currencyID' && a.ns === '' && a.value.trim() !== currency) {
        walk(el);
        return;
      }
    }
  };
  for (const c of root.children) {
    if (c.ns === NS.EXT || (c.local === 'AdditionalDocumentReference' && c.ns === CAC)) continue;
    walk(c);
  }
}

/** invoiceInconsistencies, the first of them thrown as its fault (the refuse policy, and the gateway's old behaviour). */
export function checkAmounts(root: XmlElement, ctx: AmountContext): void {
  const first = invoiceInconsistencies(root, ctx)[0];
  if (first) throw new GatewayError(first.fault, { detail: first.detail });
}
