/**
 * The visual of an invoice that carries no XSLT of its own: the gateway's page, in Turkish, drawn from the UBL —
 * seller, buyer, number, date, ETTN, scenario and type, the lines with quantities, prices and taxes, the totals and
 * the notes. Every value is HTML-escaped: an invoice's text is the sender's, and may hold markup.
 */
import { NS } from '../xml/namespaces';
import type { XmlElement } from '../xml/parse';
import { attrValue, childrenNamed, firstChild } from '../xml/query';

const { cac: CAC, cbc: CBC } = NS;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The first element down the path of cac/cbc local names ('cbc:Name' style). */
function at(el: XmlElement | undefined, ...steps: string[]): XmlElement | undefined {
  let cur = el;
  for (const step of steps) {
    if (!cur) return undefined;
    const [prefix, local] = step.split(':') as ['cac' | 'cbc', string];
    cur = firstChild(cur, prefix === 'cac' ? CAC : CBC, local);
  }
  return cur;
}

function all(el: XmlElement | undefined, step: string): XmlElement[] {
  if (!el) return [];
  const [prefix, local] = step.split(':') as ['cac' | 'cbc', string];
  return childrenNamed(el, prefix === 'cac' ? CAC : CBC, local);
}

function text(el: XmlElement | undefined, ...steps: string[]): string {
  return at(el, ...steps)?.text.trim() ?? '';
}

/** "1234.5" → "1.234,50": Turkish grouping and decimal comma, on the digits as written (no float rounding). */
export function turkishNumber(value: string, minDecimals = 2): string {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(value);
  if (!m) return value;
  const [, sign, int = '', frac = ''] = m;
  const grouped = (int.replace(/^0+(?=\d)/, '') || '0').replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const decimals = frac.replace(/0+$/, '').padEnd(minDecimals, '0');
  return `${sign === '-' ? '-' : ''}${grouped}${decimals ? `,${decimals}` : ''}`;
}

function currencyName(code: string | undefined): string {
  return !code || code === 'TRY' ? 'TL' : code;
}

function amount(el: XmlElement | undefined): string {
  if (!el || el.text.trim() === '') return '';
  return `${turkishNumber(el.text)} ${currencyName(attrValue(el, 'currencyID'))}`;
}

/** "2026-03-10" → "10-03-2026", as GİB's visuals write dates. */
function turkishDate(d: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
  return m ? `${m[3]}-${m[2]}-${m[1]}` : d;
}

function partyName(party: XmlElement | undefined): string {
  const name = text(party, 'cac:PartyName', 'cbc:Name');
  if (name) return name;
  const person = at(party, 'cac:Person');
  return ['cbc:FirstName', 'cbc:MiddleName', 'cbc:FamilyName'].map((s) => text(person, s)).filter(Boolean).join(' ');
}

function partyBlock(title: string, party: XmlElement | undefined): string {
  const lines: string[] = [];
  const addr = at(party, 'cac:PostalAddress');
  const street = [text(addr, 'cbc:StreetName'), text(addr, 'cbc:BuildingName'), text(addr, 'cbc:BuildingNumber') && `No:${text(addr, 'cbc:BuildingNumber')}`]
    .filter(Boolean)
    .join(' ');
  const city = [text(addr, 'cbc:PostalZone'), text(addr, 'cbc:CitySubdivisionName'), text(addr, 'cbc:CityName')].filter(Boolean).join(' ');
  const country = text(addr, 'cac:Country', 'cbc:Name');
  for (const line of [street, city, country]) if (line) lines.push(escapeHtml(line));
  const taxOffice = text(party, 'cac:PartyTaxScheme', 'cac:TaxScheme', 'cbc:Name');
  if (taxOffice) lines.push(`Vergi Dairesi: ${escapeHtml(taxOffice)}`);
  for (const pi of all(party, 'cac:PartyIdentification')) {
    const id = at(pi, 'cbc:ID');
    if (id?.text.trim()) lines.push(`${escapeHtml(attrValue(id, 'schemeID') ?? 'No')}: ${escapeHtml(id.text.trim())}`);
  }
  const contact = at(party, 'cac:Contact');
  for (const [label, step] of [['Tel', 'cbc:Telephone'], ['Faks', 'cbc:Telefax'], ['E-Posta', 'cbc:ElectronicMail']] as const) {
    const v = text(contact, step);
    if (v) lines.push(`${label}: ${escapeHtml(v)}`);
  }
  const web = text(party, 'cbc:WebsiteURI');
  if (web) lines.push(`Web Sitesi: ${escapeHtml(web)}`);
  return `<section class="party"><h2>${title}</h2><p class="name">${escapeHtml(partyName(party)) || '—'}</p><p>${lines.join('<br>')}</p></section>`;
}

function row(label: string, value: string): string {
  return `<tr><th>${label}</th><td>${value}</td></tr>`;
}

function lineRows(root: XmlElement): string {
  return all(root, 'cac:InvoiceLine')
    .map((line) => {
      const qty = at(line, 'cbc:InvoicedQuantity');
      const subtotals = all(at(line, 'cac:TaxTotal'), 'cac:TaxSubtotal');
      const kdv = subtotals.find((s) => text(s, 'cac:TaxCategory', 'cac:TaxScheme', 'cbc:TaxTypeCode') === '0015') ?? subtotals[0];
      const others = subtotals.filter((s) => s !== kdv);
      const discounts = all(line, 'cac:AllowanceCharge').map((a) => `${text(a, 'cbc:ChargeIndicator') === 'true' ? '+' : '-'}${amount(at(a, 'cbc:Amount'))}`);
      const cells = [
        escapeHtml(text(line, 'cbc:ID')),
        escapeHtml(text(line, 'cac:Item', 'cbc:Name')) + (text(line, 'cac:Item', 'cbc:Description') ? `<br><small>${escapeHtml(text(line, 'cac:Item', 'cbc:Description'))}</small>` : ''),
        qty ? `${escapeHtml(turkishNumber(qty.text, 0))} ${escapeHtml(attrValue(qty, 'unitCode') ?? '')}` : '',
        escapeHtml(amount(at(line, 'cac:Price', 'cbc:PriceAmount'))),
        escapeHtml(discounts.join(' ')),
        kdv ? `%${escapeHtml(turkishNumber(text(kdv, 'cbc:Percent') || '0'))}` : '',
        kdv ? escapeHtml(amount(at(kdv, 'cbc:TaxAmount'))) : '',
        escapeHtml(others.map((s) => `${text(s, 'cac:TaxCategory', 'cac:TaxScheme', 'cbc:Name') || text(s, 'cac:TaxCategory', 'cac:TaxScheme', 'cbc:TaxTypeCode')}: ${amount(at(s, 'cbc:TaxAmount'))}`).join(', ')),
        escapeHtml(amount(at(line, 'cbc:LineExtensionAmount'))),
      ];
      return `<tr>${cells.map((c, i) => `<td${i >= 2 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('');
}

function totalRows(root: XmlElement): string {
  const totals = at(root, 'cac:LegalMonetaryTotal');
  const rows: string[] = [];
  const add = (label: string, el: XmlElement | undefined) => {
    if (el && el.text.trim() !== '') rows.push(row(label, escapeHtml(amount(el))));
  };
  add('Mal Hizmet Toplam Tutarı', at(totals, 'cbc:LineExtensionAmount'));
  add('Toplam İskonto', at(totals, 'cbc:AllowanceTotalAmount'));
  add('Toplam Artırım', at(totals, 'cbc:ChargeTotalAmount'));
  add('Vergiler Hariç Tutar', at(totals, 'cbc:TaxExclusiveAmount'));
  for (const taxTotal of all(root, 'cac:TaxTotal')) {
    for (const s of all(taxTotal, 'cac:TaxSubtotal')) {
      const name = text(s, 'cac:TaxCategory', 'cac:TaxScheme', 'cbc:Name') || text(s, 'cac:TaxCategory', 'cac:TaxScheme', 'cbc:TaxTypeCode') || 'Vergi';
      const percent = text(s, 'cbc:Percent');
      add(`Hesaplanan ${escapeHtml(name)}${percent ? ` (%${escapeHtml(turkishNumber(percent))})` : ''}`, at(s, 'cbc:TaxAmount'));
    }
  }
  for (const w of all(root, 'cac:WithholdingTaxTotal')) add('Tevkifat Tutarı', at(w, 'cbc:TaxAmount'));
  add('Vergiler Dahil Toplam Tutar', at(totals, 'cbc:TaxInclusiveAmount'));
  add('Ödenecek Tutar', at(totals, 'cbc:PayableAmount'));
  return rows.join('');
}

const STYLE = `
body { font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif; font-size: 11px; color: #222; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 12px; } h2 { font-size: 12px; margin: 0 0 4px; color: #555; text-transform: uppercase; }
.parties { display: flex; gap: 24px; margin-bottom: 16px; } .party { flex: 1; border: 1px solid #ccc; padding: 8px; }
.party .name { font-weight: bold; font-size: 13px; margin: 0 0 4px; } .party p { margin: 0; }
table { border-collapse: collapse; } .info th, .totals th { text-align: left; padding: 2px 8px 2px 0; }
.lines { width: 100%; margin: 16px 0; } .lines th, .lines td { border: 1px solid #999; padding: 4px; vertical-align: top; }
.lines th { background: #eee; } .num { text-align: right; white-space: nowrap; }
.totals { margin-left: auto; } .totals td { text-align: right; padding: 2px 0 2px 16px; }
.notes { margin-top: 16px; border-top: 1px solid #ccc; padding-top: 8px; white-space: pre-wrap; }
`;

/** The page for the invoice whose root element is `root`. */
export function defaultInvoiceHtml(root: XmlElement): string {
  const profile = text(root, 'cbc:ProfileID');
  const title = profile === 'EARSIVFATURA' ? 'e-Arşiv Fatura' : 'e-Fatura';
  const issue = text(root, 'cbc:IssueDate');
  const time = text(root, 'cbc:IssueTime');
  const info = [
    row('Fatura No', escapeHtml(text(root, 'cbc:ID'))),
    row('Fatura Tarihi', escapeHtml(turkishDate(issue) + (time ? ` ${time}` : ''))),
    row('ETTN', escapeHtml(text(root, 'cbc:UUID'))),
    row('Senaryo', escapeHtml(profile)),
    row('Fatura Tipi', escapeHtml(text(root, 'cbc:InvoiceTypeCode'))),
    row('Özelleştirme No', escapeHtml(text(root, 'cbc:CustomizationID'))),
    row('Para Birimi', escapeHtml(text(root, 'cbc:DocumentCurrencyCode'))),
  ].join('');
  const notes = all(root, 'cbc:Note').map((n) => escapeHtml(n.text.trim())).filter(Boolean);
  return (
    '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8">' +
    `<title>${escapeHtml(`${title} ${text(root, 'cbc:ID')}`)}</title><style>${STYLE}</style></head><body>` +
    `<h1>${title}</h1>` +
    `<div class="parties">${partyBlock('Satıcı', at(root, 'cac:AccountingSupplierParty', 'cac:Party'))}${partyBlock('Alıcı', at(root, 'cac:AccountingCustomerParty', 'cac:Party'))}</div>` +
    `<table class="info">${info}</table>` +
    '<table class="lines"><thead><tr><th>Sıra No</th><th>Mal Hizmet</th><th>Miktar</th><th>Birim Fiyat</th><th>İskonto/Artırım</th>' +
    '<th>KDV Oranı</th><th>KDV Tutarı</th><th>Diğer Vergiler</th><th>Mal Hizmet Tutarı</th></tr></thead>' +
    `<tbody>${lineRows(root)}</tbody></table>` +
    `<table class="totals">${totalRows(root)}</table>` +
    (notes.length ? `<div class="notes"><h2>Notlar</h2>${notes.map((n) => `<p>${n}</p>`).join('')}</div>` : '') +
    '</body></html>'
  );
}
