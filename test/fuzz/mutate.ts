/**
 * The fuzz test's generators: a seeded PRNG (so a failing case is reproduced by its seed and number), byte-level
 * mutations of valid requests, and hostile XML fragments — the shapes issue 9 found and their relatives.
 *
 * A seeded mulberry32 rather than fast-check: the cases are requests to a process, not properties of a function, so
 * shrinking (fast-check's strength) would resend hundreds of requests per failure; the seed and case number printed
 * with a failure are enough to replay it.
 */
import zlib from 'node:zlib';

export type Rng = {
  /** [0, 1) */
  next(): number;
  int(lo: number, hiExclusive: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
};

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo));
  return { next, int, pick: (xs) => xs[int(0, xs.length)]!, chance: (p) => next() < p };
}

/** Bytes that break parsers: NUL, invalid UTF-8, markup characters, a lone surrogate's encoding, a BOM. */
const NASTY = [
  Buffer.from([0x00]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from('<'),
  Buffer.from('>'),
  Buffer.from('&'),
  Buffer.from(']]>'),
  Buffer.from('"'),
  Buffer.from('</'),
  Buffer.from('&#0;'),
  Buffer.from('&unknown;'),
  Buffer.from('<!--'),
];

/** One random byte-level change: flip, insert, delete, duplicate or truncate. */
export function mutateBytes(r: Rng, input: Buffer): { bytes: Buffer; how: string } {
  const b = Buffer.from(input);
  const at = r.int(0, Math.max(1, b.length));
  switch (r.int(0, 6)) {
    case 0: {
      const n = r.int(1, 9);
      for (let i = 0; i < n; i++) b[r.int(0, b.length)] = r.int(0, 256);
      return { bytes: b, how: `flip ${n} bytes` };
    }
    case 1: {
      const ins = r.pick(NASTY);
      return { bytes: Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]), how: `insert ${JSON.stringify(ins.toString('latin1'))} at ${at}` };
    }
    case 2: {
      const len = r.int(1, 200);
      return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + len)]), how: `delete ${len} at ${at}` };
    }
    case 3: {
      const len = r.int(1, 400);
      return { bytes: Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]), how: `duplicate ${len} at ${at}` };
    }
    case 4:
      return { bytes: b.subarray(0, at), how: `truncate at ${at}` };
    default: {
      const len = r.int(1, 64);
      const junk = Buffer.alloc(len);
      for (let i = 0; i < len; i++) junk[i] = r.int(0, 256);
      return { bytes: Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]), how: `insert ${len} random bytes at ${at}` };
    }
  }
}

/** XML a parser must not spend itself on; each is put inside a request's body. */
export const HOSTILE_XML: ReadonlyArray<[string, () => string]> = [
  ['deep nesting (20,000)', () => '<a>'.repeat(20_000) + '</a>'.repeat(20_000)],
  ['element flood (100,000)', () => '<a/>'.repeat(100_000)],
  ['a 2 MB attribute', () => `<a x="${'a'.repeat(2 * 1024 * 1024)}"/>`],
  ['2,000 attributes', () => `<a ${Array.from({ length: 2000 }, (_, i) => `a${i}="1"`).join(' ')}/>`],
  ['2,000 namespace declarations', () => `<a ${Array.from({ length: 2000 }, (_, i) => `xmlns:n${i}="urn:${i}"`).join(' ')}/>`],
  ['comment flood', () => '<!-- x -->'.repeat(50_000)],
  ['processing instruction flood', () => '<?x y?>'.repeat(50_000)],
  ['a 3 MB text node', () => `<a>${'x'.repeat(3 * 1024 * 1024)}</a>`],
  ['a 100 KB element name', () => `<${'n'.repeat(100_000)}/>`],
  ['an entity reference', () => '<a>&xxe;</a>'],
  ['CDATA flood', () => '<![CDATA[x]]>'.repeat(50_000)],
];

/** A document (what SendInvoice carries) that is hostile in itself. */
export const HOSTILE_DOCUMENTS: ReadonlyArray<[string, () => Buffer]> = [
  ['billion laughs', () => Buffer.from(`<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><Invoice>&j;</Invoice>`)],
  ['external entity', () => Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>')],
  ['a deep invoice', () => Buffer.from(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</Invoice>`)],
  ['not XML', () => Buffer.from('%PDF-1.4 hello')],
  ['UTF-16', () => Buffer.from('\ufeff<Invoice/>', 'utf16le')],
];

/** gzip of `bytes` zeros, built from one compressed megabyte repeated (gzip members concatenate). */
export function gzipZeros(megabytes: number): Buffer {
  const one = zlib.gzipSync(Buffer.alloc(1024 * 1024));
  return Buffer.concat(Array.from({ length: megabytes }, () => one));
}
