/**
 * The e-mails an e-Arşiv invoice's buyer gets (eArsivMailing): the invoice once Başarılı (its PDF and signed UBL go
 * with it, attached by the sender), and the notice of its cancellation. Worded as integrators' e-Arşiv mails are:
 * the seller, the number, the date, the amount and the ETTN. Pure text; the HTML part escapes everything it
 * prints, since the names come from the invoice, i.e. from whoever wrote it.
 */
import { turkishDay } from '../turkish-time';
import { escapeHtml } from '../visuals/default-template';

export interface EarsivMailFacts {
  /** The seller's title (the invoice's AccountingSupplierParty). */
  sellerTitle: string;
  /** The buyer's name or title; null when the invoice names none. */
  buyerName: string | null;
  number: string;
  /** YYYY-MM-DD */
  issueDate: string;
  /** cbc:PayableAmount as written ("1234.50"). */
  payableAmount: string;
  currency: string;
  ettn: string;
  /** When it was cancelled (the cancellation notice). */
  cancelledAt?: Date | null;
}

export interface EarsivMailContent {
  subject: string;
  text: string;
  html: string;
}

/** "2026-12-06" → "06.12.2026". */
export function turkishDate(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : day;
}

/** "1234.5" → "1.234,50 TL" (no float: the text as written, grouped). */
export function turkishAmount(amount: string, currency: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  const unit = currency === 'TRY' ? 'TL' : currency;
  if (!m) return `${amount} ${unit}`;
  const lira = m[2]!.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const kurus = (m[3] ?? '').padEnd(2, '0');
  return `${m[1]}${lira},${kurus} ${unit}`;
}

/** One line, at most `max` characters: names go into sentences and the subject. */
function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

const CLOSING = 'Bu e-posta otomatik olarak gönderilmiştir, lütfen yanıtlamayınız.';

interface Parts {
  subject: string;
  greeting: string;
  lead: string;
  rows: Array<[string, string]>;
  tail: string[];
}

function render(p: Parts): EarsivMailContent {
  const width = Math.max(...p.rows.map(([k]) => k.length));
  const text = [
    p.greeting,
    '',
    p.lead,
    '',
    ...p.rows.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`),
    '',
    ...p.tail.flatMap((t) => [t, '']),
  ].join('\n');
  const html =
    '<!DOCTYPE html><html lang="tr"><head><meta charset="utf-8"></head><body style="font-family:Arial,sans-serif;font-size:14px">' +
    `<p>${escapeHtml(p.greeting)}</p><p>${escapeHtml(p.lead)}</p><table style="border-collapse:collapse">` +
    p.rows.map(([k, v]) => `<tr><td style="padding:2px 12px 2px 0"><b>${escapeHtml(k)}</b></td><td>${escapeHtml(v)}</td></tr>`).join('') +
    '</table>' +
    p.tail.map((t) => `<p>${escapeHtml(t)}</p>`).join('') +
    '</body></html>';
  return { subject: p.subject, text, html };
}

function common(f: EarsivMailFacts) {
  const seller = oneLine(f.sellerTitle, 200) || '-';
  const buyer = f.buyerName ? oneLine(f.buyerName, 200) : '';
  return {
    seller,
    greeting: buyer ? `Sayın ${buyer},` : 'Sayın Müşterimiz,',
    rows: [
      ['Satıcı', seller],
      ['Fatura No', f.number],
      ['Fatura Tarihi', turkishDate(f.issueDate)],
      ['Ödenecek Tutar', turkishAmount(f.payableAmount, f.currency)],
      ['ETTN', f.ettn],
    ] as Array<[string, string]>,
  };
}

/** The mail that carries a Başarılı e-Arşiv invoice (the PDF and `<number>.xml` are attached to it). */
export function earsivInvoiceMail(f: EarsivMailFacts): EarsivMailContent {
  const c = common(f);
  return render({
    subject: `${oneLine(c.seller, 100)} - ${f.number} numaralı e-Arşiv faturanız`,
    greeting: c.greeting,
    lead: `${c.seller} tarafından adınıza ${turkishDate(f.issueDate)} tarihli ${f.number} numaralı e-Arşiv fatura düzenlenmiştir.`,
    rows: c.rows,
    tail: [
      `Faturanın görüntüsü (${f.number}.pdf) ve imzalı UBL-TR dosyası (${f.number}.xml) ektedir. Faturanın aslı XML dosyasıdır; görüntü bilgi amaçlıdır.`,
      CLOSING,
    ],
  });
}

/** The notice that an e-Arşiv invoice the buyer was sent has been cancelled. */
export function earsivCancellationMail(f: EarsivMailFacts): EarsivMailContent {
  const c = common(f);
  const on = f.cancelledAt ? turkishDate(turkishDay(f.cancelledAt)) : null;
  return render({
    subject: `${oneLine(c.seller, 100)} - ${f.number} numaralı e-Arşiv faturanız iptal edildi`,
    greeting: c.greeting,
    lead: `${c.seller} tarafından adınıza düzenlenen ${turkishDate(f.issueDate)} tarihli ${f.number} numaralı e-Arşiv faturanız ${on ? `${on} tarihinde ` : ''}iptal edilmiştir.`,
    rows: [...c.rows, ...(on ? ([['İptal Tarihi', on]] as Array<[string, string]>) : [])],
    tail: ['Bu fatura hükümsüzdür; iptali Gelir İdaresi Başkanlığına e-Arşiv raporuyla bildirilir.', CLOSING],
  });
}
