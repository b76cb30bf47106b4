/**
 * What the e-Defter screens read off a month (GetLedgerStatus's view): which of the seed's step buttons is due, whether
 * a requested step is still under way and how far it got (the progress bar's JSON), and the words for books and files.
 * The rules themselves stay in the ledger service: a button the service would refuse only shows its refusal.
 */
import { LEDGER_STEPS, type LedgerStep } from '../../machines';
import { reached, type LedgerBookView, type LedgerMonthView } from '../../services/ledger.service';

export const BOOK_NAMES: Record<string, string> = { Y: 'Yevmiye Defteri', K: 'Büyük Defter' };

export const FILE_KINDS: Record<string, string> = { LEDGER: 'Defter', BERAT: 'Berat', GIB_BERAT: 'GİB Onaylı Berat', RAPOR: 'Defter Raporu' };

export const STEP_VALUES = [...LEDGER_STEPS.map((s) => s.step), 'ALL'] as const;
export type StepValue = LedgerStep | 'ALL';

export function isStep(value: string | null): value is StepValue {
  return value !== null && (STEP_VALUES as readonly string[]).includes(value);
}

export function stepLabel(step: StepValue): string {
  return step === 'ALL' ? 'e-Defter Yükle' : LEDGER_STEPS.find((s) => s.step === step)!.label;
}

/** A month argument in a URL: YYYY-MM of a real month. */
export const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** "01.2026": seed 001's Tarih column. */
export const monthColumn = (period: string) => `${period.slice(5, 7)}.${period.slice(0, 4)}`;

const STOPPED = new Set(['CHECK_FAILED', 'GIB_REJECTED']);

/** The book was asked for a state it has not reached, and nothing stopped it (a check, GİB, a failed step). */
export function underWay(b: LedgerBookView): boolean {
  return b.goal !== null && !STOPPED.has(b.state) && b.lastError === null && !reached(b.state, b.goal);
}

/** The step each book is at: how many of the seed's steps it has done. */
const stepsDone = (state: string) => LEDGER_STEPS.filter((s) => reached(state, s.reaches)).length;
const stepsTo = (goal: string) => LEDGER_STEPS.findIndex((s) => s.reaches === goal) + 1;

export interface MonthProgress {
  percent: number;
  text: string;
  done: boolean;
}

/** The `[data-progress]` JSON: the month's books' steps done towards what was asked, until nothing is under way. */
export function monthProgress(m: LedgerMonthView): MonthProgress {
  const asked = m.books.filter((b) => b.goal !== null && stepsTo(b.goal) > 0);
  const total = asked.reduce((n, b) => n + stepsTo(b.goal!), 0);
  const done = asked.reduce((n, b) => n + Math.min(stepsDone(b.state), stepsTo(b.goal!)), 0);
  const running = m.books.some(underWay);
  const states = m.books.map((b) => `${BOOK_NAMES[b.book]}: ${b.description}`).join(', ');
  const goal = asked[0] ? LEDGER_STEPS.find((s) => s.reaches === asked[0]!.goal)?.label : undefined;
  const stopped = m.books.find((b) => b.lastError !== null);
  let text: string;
  if (running) text = `${goal ?? 'İşlem'} sürüyor — ${states}`;
  else if (stopped) text = `İşlem durdu — ${BOOK_NAMES[stopped.book]}: ${stopped.lastError}`;
  else text = `İşlem tamamlandı — ${states}`;
  return { percent: total === 0 ? 100 : Math.round((100 * done) / total), text, done: !running };
}

/** The seed's next button for the month: the first step a book has not done (null when all are done). */
export function nextStep(m: LedgerMonthView): LedgerStep | null {
  const due = m.books.map((b) => LEDGER_STEPS.findIndex((s) => !reached(b.state, s.reaches))).filter((n) => n !== -1);
  return due.length ? LEDGER_STEPS[Math.min(...due)]!.step : null;
}
