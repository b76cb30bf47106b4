/**
 * RFC 3986 URI-reference syntax, ported from libxml2 2.9's uri.c (xmlParse3986URIReference) so that namespace
 * names and xs:anyURI values get the verdict libxml2 (our reference parser and XSD validator) gives them.
 */

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}
function isSubDelim(c: number): boolean {
  return c === 0x21 || c === 0x24 || c === 0x26 || c === 0x28 || c === 0x29 || c === 0x2a || c === 0x2b ||
    c === 0x2c || c === 0x3b || c === 0x3d || c === 0x27;
}
function isUnreserved(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  at(k = 0): number {
    const c = this.s.charCodeAt(this.i + k);
    return Number.isNaN(c) ? 0 : c;
  }
  pct(): boolean {
    return this.at() === 0x25 && isHex(this.at(1)) && isHex(this.at(2));
  }
  pchar(): boolean {
    const c = this.at();
    return isUnreserved(c) || this.pct() || isSubDelim(c) || c === 0x3a || c === 0x40;
  }
  /** NEXT(): a percent escape advances by three. */
  next(): void {
    this.i += this.at() === 0x25 ? 3 : 1;
  }
}

function segment(c: Cursor, forbid: number, empty: boolean): boolean {
  if (!c.pchar()) return empty;
  while (c.pchar() && c.at() !== forbid) c.next();
  return true;
}

function pathAbEmpty(c: Cursor): boolean {
  while (c.at() === 0x2f) {
    c.i++;
    if (!segment(c, 0, true)) return false;
  }
  return true;
}

function pathAbsolute(c: Cursor): boolean {
  if (c.at() !== 0x2f) return false;
  c.i++;
  if (segment(c, 0, false)) {
    while (c.at() === 0x2f) {
      c.i++;
      if (!segment(c, 0, true)) return false;
    }
  }
  return true;
}

function pathRest(c: Cursor, forbid: number): boolean {
  if (!segment(c, forbid, false)) return false;
  while (c.at() === 0x2f) {
    c.i++;
    if (!segment(c, 0, true)) return false;
  }
  return true;
}

function decOctet(c: Cursor): boolean {
  const a = c.at();
  const b = c.at(1);
  const d = c.at(2);
  if (!isDigit(a)) return false;
  if (!isDigit(b)) c.i += 1;
  else if (a !== 0x30 && isDigit(b) && !isDigit(d)) c.i += 2;
  else if (a === 0x31 && isDigit(b) && isDigit(d)) c.i += 3;
  else if (a === 0x32 && b >= 0x30 && b <= 0x34 && isDigit(d)) c.i += 3;
  else if (a === 0x32 && b === 0x35 && d >= 0x30 && b <= 0x35) c.i += 3;
  else return false;
  return true;
}

function host(c: Cursor): boolean {
  const start = c.i;
  if (c.at() === 0x5b /* [ */) {
    c.i++;
    while (c.at() !== 0x5d && c.at() !== 0) c.i++;
    if (c.at() !== 0x5d) return false;
    c.i++;
    return true;
  }
  if (isDigit(c.at())) {
    const ok = decOctet(c) && c.at() === 0x2e && (c.i++, decOctet(c)) && c.at() === 0x2e &&
      decOctet(c) && c.at() === 0x2e && decOctet(c);
    if (ok) return true;
    c.i = start;
  }
  while (isUnreserved(c.at()) || c.pct() || isSubDelim(c.at())) c.next();
  return true;
}

function authority(c: Cursor): boolean {
  const start = c.i;
  while (isUnreserved(c.at()) || c.pct() || isSubDelim(c.at()) || c.at() === 0x3a) c.next();
  if (c.at() === 0x40 /* @ */) c.i++;
  else c.i = start;
  if (!host(c)) return false;
  if (c.at() === 0x3a) {
    c.i++;
    if (!isDigit(c.at())) return false;
    while (isDigit(c.at())) c.i++;
  }
  return true;
}

function queryAndFragment(c: Cursor): boolean {
  if (c.at() === 0x3f /* ? */) {
    c.i++;
    while (c.pchar() || c.at() === 0x2f || c.at() === 0x3f) c.next();
  }
  if (c.at() === 0x23 /* # */) {
    c.i++;
    while (c.pchar() || c.at() === 0x2f || c.at() === 0x3f || c.at() === 0x5b || c.at() === 0x5d) c.next();
  }
  return c.i >= c.s.length;
}

function absoluteUri(s: string): boolean {
  const c = new Cursor(s);
  if (!isAlpha(c.at())) return false;
  c.i++;
  while (isAlpha(c.at()) || isDigit(c.at()) || c.at() === 0x2b || c.at() === 0x2d || c.at() === 0x2e) c.i++;
  if (c.at() !== 0x3a) return false;
  c.i++;
  return pathQueryFragment(c, 0);
}

function relativeRef(s: string): boolean {
  return pathQueryFragment(new Cursor(s), 0x3a);
}

/**
 * hier-part or relative-part, then query and fragment: `//` authority and path-abempty, path-absolute, or a path
 * whose first segment may not hold `stop` (':' in a relative reference, where it would read as a scheme).
 */
function pathQueryFragment(c: Cursor, stop: number): boolean {
  if (c.at() === 0x2f && c.at(1) === 0x2f) {
    c.i += 2;
    if (!authority(c) || !pathAbEmpty(c)) return false;
  } else if (c.at() === 0x2f) {
    if (!pathAbsolute(c)) return false;
  } else if (c.pchar()) {
    if (!pathRest(c, stop)) return false;
  }
  return queryAndFragment(c);
}

/** True when libxml2's xmlParseURI accepts the string. */
export function isUriReference(s: string): boolean {
  return absoluteUri(s) || relativeRef(s);
}
