/**
 * HTML written by the portal: `html\`…\`` escapes every interpolated value unless it is itself Html (built by `html`
 * or marked with `trusted`), so text from invoices, users or GİB can never become markup. Arrays are joined.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** Markup the portal itself made (never text from outside). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

// One formatter each, made once: toLocaleString builds a new one per call (≈ 0.3 ms for a time), which made a
// 500-row list page spend most of its time formatting (bench/portal-list.bench.ts).
const AMOUNT = new Intl.NumberFormat('tr-TR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const TIME = new Intl.DateTimeFormat('tr-TR', { timeZone: 'Europe/Istanbul', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** Turkish number formatting for amounts: 1.234,56. */
export function formatAmount(value: string | number, currency?: string | null): string {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  const text = AMOUNT.format(n);
  return currency ? `${text} ${currency}` : text;
}

/** An ISO time as the portal shows it, in Turkish time: 06.12.2026 14:05. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return TIME.format(d);
}

/** A day (YYYY-MM-DD) as 06.12.2026. */
export function formatDay(day: string | null | undefined): string {
  if (!day) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : day;
}
