/**
 * Lexical checks of the XML Schema built-in types GİB's UBL-TR schemas use, with libxml2 2.9's exact verdicts
 * (xmlschemastypes.c, xmlSchemaValAtomicType): libxml2 is the reference the compiled validator is tested against.
 */
import { isUriReference } from '../../xml/uri';

export type WhiteSpace = 'preserve' | 'replace' | 'collapse';

export interface Builtin {
  readonly name: string;
  readonly whiteSpace: WhiteSpace;
  /** Checks a value already normalised by whiteSpace. */
  readonly check: (v: string) => boolean;
  /** Checks can run on the raw byte view (ASCII-only lexical space): skips decoding the text. */
  readonly asciiOnly: boolean;
  readonly isId?: boolean;
}

/** XSD 'collapse': trim, and runs of #x20 #x9 #xA #xD become one space. */
export function collapse(v: string): string {
  let needs = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d) { needs = true; break; }
    if (c === 0x20 && (i === 0 || i === v.length - 1 || v.charCodeAt(i + 1) === 0x20)) { needs = true; break; }
  }
  return needs ? v.replace(/[\t\n\r ]+/g, ' ').trim() : v;
}

export function replaceWs(v: string): string {
  return /[\t\n\r]/.test(v) ? v.replace(/[\t\n\r]/g, ' ') : v;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** libxml2 keeps at most 24 significant digits of a decimal (leading zeros of the integer part excluded). */
function checkDecimal(v: string): boolean {
  let i = 0;
  const n = v.length;
  if (n === 0) return false;
  if (v.charCodeAt(0) === 0x2d || v.charCodeAt(0) === 0x2b) i++;
  if (i >= n) return false;
  let leadingZeros = false;
  while (i < n && v.charCodeAt(i) === 0x30) { i++; leadingZeros = true; }
  let len = 0;
  if (i < n) {
    do {
      const c = v.charCodeAt(i);
      if (isDigit(c)) {
        i++;
        len++;
      } else if (c === 0x2e) {
        i++;
        do {
          if (i < n && isDigit(v.charCodeAt(i))) { i++; len++; } else break;
        } while (len < 24);
        if (len === 0 && !leadingZeros) return false; // "." alone, but "00." is fine
        break;
      } else {
        break;
      }
    } while (len < 24);
  }
  return i === n;
}

function checkInteger(v: string): boolean {
  return /^[+-]?[0-9]+$/.test(v) && v.replace(/^[+-]?0*/, '').length <= 24;
}

function checkBoolean(v: string): boolean {
  return v === 'true' || v === 'false' || v === '1' || v === '0';
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Year (≥ 4 digits, no leading zero beyond 4, not 0000) - MM - DD; returns the index after, or -1. */
function parseDate(v: string, i: number): number {
  let neg = false;
  if (v.charCodeAt(i) === 0x2d) { neg = true; i++; }
  const ys = i;
  while (isDigit(v.charCodeAt(i))) i++;
  const digits = i - ys;
  if (digits < 4 || (digits > 4 && v.charCodeAt(ys) === 0x30)) return -1;
  const year = Number(v.slice(ys, i)) * (neg ? -1 : 1);
  if (year === 0 || !Number.isFinite(year)) return -1;
  if (v.charCodeAt(i) !== 0x2d) return -1;
  const mon = two(v, i + 1);
  if (mon < 1 || mon > 12) return -1;
  if (v.charCodeAt(i + 3) !== 0x2d) return -1;
  const day = two(v, i + 4);
  const max = mon === 2 && isLeap(Math.abs(year)) ? 29 : DAYS[mon - 1]!;
  // libxml2's IS_LEAP takes the signed year; the modulo of a negative multiple of 4 is still 0.
  if (day < 1 || day > max) return -1;
  return i + 6;
}

function two(v: string, i: number): number {
  const a = v.charCodeAt(i);
  const b = v.charCodeAt(i + 1);
  return isDigit(a) && isDigit(b) ? (a - 0x30) * 10 + (b - 0x30) : -1;
}

/** hh:mm:ss(.s+)? with 24:00:00 allowed as end of day; returns the index after, or -1. */
function parseTime(v: string, i: number): number {
  const h = two(v, i);
  if (h < 0 || v.charCodeAt(i + 2) !== 0x3a || h > 24) return -1;
  const m = two(v, i + 3);
  if (m < 0 || m > 59 || v.charCodeAt(i + 5) !== 0x3a) return -1;
  const s = two(v, i + 6);
  if (s < 0) return -1;
  i += 8;
  let frac = false;
  if (v.charCodeAt(i) === 0x2e) {
    i++;
    if (!isDigit(v.charCodeAt(i))) return -1;
    while (isDigit(v.charCodeAt(i))) {
      if (v.charCodeAt(i) !== 0x30) frac = true;
      i++;
    }
  }
  if (s > 59) return -1;
  if (h === 24 && (m !== 0 || s !== 0 || frac)) return -1;
  return i;
}

/** Optional Z or ±hh:mm (|offset| ≤ 14:00); true when it ends the string. */
function timezoneEnds(v: string, i: number): boolean {
  if (i === v.length) return true;
  const c = v.charCodeAt(i);
  if (c === 0x5a /* Z */) return i + 1 === v.length;
  if (c !== 0x2b && c !== 0x2d) return false;
  const h = two(v, i + 1);
  if (h < 0 || h > 23 || v.charCodeAt(i + 3) !== 0x3a) return false;
  const m = two(v, i + 4);
  if (m < 0 || m > 59) return false;
  if (h * 60 + m > 840) return false;
  return i + 6 === v.length;
}

function checkDate(v: string): boolean {
  const i = parseDate(v, 0);
  return i !== -1 && timezoneEnds(v, i);
}

function checkTime(v: string): boolean {
  const i = parseTime(v, 0);
  return i !== -1 && timezoneEnds(v, i);
}

function checkDateTime(v: string): boolean {
  let i = parseDate(v, 0);
  if (i === -1 || v.charCodeAt(i) !== 0x54 /* T */) return false;
  i = parseTime(v, i + 1);
  return i !== -1 && timezoneEnds(v, i);
}

const B64 = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((ch, i) => { B64[ch.charCodeAt(0)] = i; });
B64[0x3d] = 64; // '='
function b64(c: number): number {
  return c < 128 ? B64[c]! : -1;
}

/** libxml2 ignores characters outside the alphabet ("stray characters"), then checks count and padding. */
function checkBase64(v: string): boolean {
  let i = 0;
  let count = 0;
  let pad = 0;
  const n = v.length;
  for (; i < n; i++) {
    const d = b64(v.charCodeAt(i));
    if (d < 0) continue;
    if (d < 64) count++;
    else break;
  }
  for (; i < n; i++) {
    const d = b64(v.charCodeAt(i));
    if (d < 0) continue;
    if (d < 64) return false;
    pad++;
  }
  if (pad === 0) return count % 4 === 0;
  // The last alphabet character must not carry bits the padding drops.
  let j = n - 1;
  let last = b64(v.charCodeAt(j));
  while (j > 0 && (last < 0 || last > 63)) last = b64(v.charCodeAt(--j));
  if (pad === 1) return count % 4 === 3 && (last & ~0x3c) === 0;
  if (pad === 2) return count % 4 === 2 && (last & ~0x30) === 0;
  return false;
}

function checkLanguage(v: string): boolean {
  return /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(v);
}

const NCNAME = /^[A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-.0-9A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*$/;
function checkNCName(v: string): boolean {
  return NCNAME.test(v);
}

/** libxml2 replaces characters a URI may not hold literally by '_' and then parses it as RFC 3986. */
function checkAnyUri(v: string): boolean {
  if (v === '') return true;
  return isUriReference(v.replace(/[\x00-\x20\x7f-\uffff<>"{}|\\^`']/g, '_'));
}

const anyValue = (): boolean => true;

const BUILTINS: Record<string, Builtin> = {
  anySimpleType: { name: 'xs:anySimpleType', whiteSpace: 'preserve', check: anyValue, asciiOnly: false },
  string: { name: 'xs:string', whiteSpace: 'preserve', check: anyValue, asciiOnly: false },
  normalizedString: { name: 'xs:normalizedString', whiteSpace: 'replace', check: anyValue, asciiOnly: false },
  token: { name: 'xs:token', whiteSpace: 'collapse', check: anyValue, asciiOnly: false },
  language: { name: 'xs:language', whiteSpace: 'collapse', check: checkLanguage, asciiOnly: true },
  NCName: { name: 'xs:NCName', whiteSpace: 'collapse', check: checkNCName, asciiOnly: false },
  ID: { name: 'xs:ID', whiteSpace: 'collapse', check: checkNCName, asciiOnly: false, isId: true },
  anyURI: { name: 'xs:anyURI', whiteSpace: 'collapse', check: checkAnyUri, asciiOnly: false },
  decimal: { name: 'xs:decimal', whiteSpace: 'collapse', check: checkDecimal, asciiOnly: true },
  integer: { name: 'xs:integer', whiteSpace: 'collapse', check: checkInteger, asciiOnly: true },
  boolean: { name: 'xs:boolean', whiteSpace: 'collapse', check: checkBoolean, asciiOnly: true },
  date: { name: 'xs:date', whiteSpace: 'collapse', check: checkDate, asciiOnly: true },
  time: { name: 'xs:time', whiteSpace: 'collapse', check: checkTime, asciiOnly: true },
  dateTime: { name: 'xs:dateTime', whiteSpace: 'collapse', check: checkDateTime, asciiOnly: true },
  base64Binary: { name: 'xs:base64Binary', whiteSpace: 'collapse', check: checkBase64, asciiOnly: false },
};

export function builtin(localName: string): Builtin | undefined {
  return Object.prototype.hasOwnProperty.call(BUILTINS, localName) ? BUILTINS[localName] : undefined;
}

/** Normalise per the whiteSpace facet. */
export function normalise(v: string, ws: WhiteSpace): string {
  return ws === 'collapse' ? collapse(v) : ws === 'replace' ? replaceWs(v) : v;
}

/** An xs:date value libxml2 would accept (real calendar date, optional timezone). */
export function isValidDate(v: string): boolean {
  return checkDate(v);
}
