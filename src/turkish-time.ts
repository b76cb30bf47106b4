/**
 * Türkiye has kept UTC+3 all year since September 2016: GİB's days (report days, the 8-day windows, "today" in its
 * schematron) and the wall-clock times it writes are UTC+3. One place for that arithmetic.
 */
export const TURKEY_OFFSET_MS = 3 * 3600_000;

/** The instant shifted to Turkish wall-clock time, as an ISO string whose "Z" must not be believed. */
function shifted(d: Date): string {
  return new Date(d.getTime() + TURKEY_OFFSET_MS).toISOString();
}

/** The Turkish calendar day of an instant, YYYY-MM-DD. */
export function turkishDay(d: Date): string {
  return shifted(d).slice(0, 10);
}

/** Turkish wall-clock time with milliseconds and its offset, e.g. 2026-03-02T14:02:48.123+03:00. */
export function turkishIsoWithOffset(d: Date): string {
  return shifted(d).replace('Z', '+03:00');
}

/** The instant at which a Turkish calendar day (YYYY-MM-DD) plus `days` begins, plus `ms`. */
export function turkishDayStart(day: string, days = 0, ms = 0): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000 - TURKEY_OFFSET_MS + ms);
}
