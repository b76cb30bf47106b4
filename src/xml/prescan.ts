/**
 * The parser's limits checked on raw bytes, before the parser makes its latin1 view of them: on a whole document
 * (parse.ts does it for documents of PRESCAN_BYTES and more), or chunk by chunk as a request body arrives (the SOAP
 * endpoints), so a body past a limit is refused before it is even kept. Why: the view is a copy of the whole
 * document in fresh memory (≈ 52 ms for 20 MB here, the event loop standing still), and so is the body buffer;
 * four hostile requests of 20 MB held /health for over 200 ms before the parser reached the attribute that
 * refuses them. This scan keeps nothing of the document: it jumps over text, attribute values, comments, PIs and
 * CDATA sections with Buffer.indexOf and reads only names and the punctuation of tags byte by byte.
 *
 * It follows markup only as far as the limits need, counting exactly what the parser counts (same offsets, same
 * fault), and stops quietly at anything not well-formed: the parser, which checks every limit again as it reads,
 * then says what is wrong. So it may miss a limit in a broken document, never refuse one the parser takes
 * (test/xml/prescan.test.ts holds it to the parser, whole and in chunks).
 */
import { limitExceeded, type XmlLimits } from './limits';

/** From this size on parseXml scans a document first (below it, the view costs less than 3 ms). */
export const PRESCAN_BYTES = 1024 * 1024;

/** Throws DOCUMENT_LIMIT at the first limit `b` passes. */
export function prescanLimits(b: Buffer, limits: XmlLimits): void {
  new LimitScanner(limits).write(b);
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;
const EQUALS = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const DASH = 0x2d;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** Bytes that end a name (a name never holds them; what else is not a name char is the parser's to refuse). */
function endsName(c: number): boolean {
  return isWs(c) || c === GT || c === SLASH || c === EQUALS || c === QUESTION || c === LT;
}

// States.
const BOM = 0; // the first bytes: a UTF-8 byte order mark or not
const TEXT = 1; // character data up to the next '<'
const OPEN = 2; // after '<'
const BANG_ = 3; // after '<!'
const COMMENT_DASH = 4; // after '<!-'
const CDATA_OPEN = 5; // inside '<![CDATA['
const COMMENT = 6; // looking for '--'
const COMMENT_CLOSE = 7; // the byte after '--'
const CDATA = 8; // looking for ']]>'
const PI_NAME = 9;
const PI_BODY = 10; // looking for '?>'
const END_TAG = 11; // looking for '>'
const TAG_NAME = 12;
const IN_TAG = 13; // between attributes
const TAG_SLASH = 14; // after '/' in a start tag
const ATTR_NAME = 15;
const ATTR_EQ = 16; // before '='
const ATTR_QUOTE = 17; // before the opening quote
const ATTR_VALUE = 18;
const STOP = 19; // not well-formed: the parser reports it

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const CDATA_WORD = '[CDATA[';
const XMLNS = 'xmlns';

/** The limits over a document fed in chunks of any size; write() throws DOCUMENT_LIMIT when one is passed. */
export class LimitScanner {
  private state = BOM;
  /** Absolute offset of the chunk being read. */
  private base = 0;
  private docStart = 0;
  private depth = 0;
  private nodes = 0;
  /** Character data of the innermost open element since its last tag (the parser's textBytes). */
  private textBytes = 0;
  /** Namespace declarations in scope per open element (index = depth). */
  private readonly scopes: number[] = [0];
  /** Where the text run, the tag or the construct being read started. */
  private runStart = 0;
  private tagStart = 0;
  private nameStart = 0;
  private nameLen = 0;
  private attributes = 0;
  private decls = 0;
  /** Bytes of the attribute name so far that spell the start of 'xmlns:' (-1: it cannot be a declaration). */
  private nsMatch = 0;
  private quote = 0;
  private valueStart = 0;
  private k = 0;
  /** A PI at the very start may be the XML declaration (no node): its first name bytes, until that is decided. */
  private piDecl: string | null = null;
  /** The last bytes of a chunk that may begin a terminator ('--', '?>', ']]>') the next chunk completes. */
  private tail = '';

  constructor(private readonly limits: XmlLimits) {}

  write(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n && this.state !== STOP) i = this.step(chunk, i, n);
    this.base += n;
  }

  private fail(limit: keyof XmlLimits, at: number): never {
    throw limitExceeded(limit, this.limits, at);
  }

  private node(at: number): void {
    if (++this.nodes > this.limits.maxNodes) this.fail('maxNodes', at);
  }

  private nameByte(): void {
    if (++this.nameLen > this.limits.maxNameBytes) this.fail('maxNameBytes', this.nameStart);
  }

  private toText(at: number): void {
    this.state = TEXT;
    this.runStart = at;
  }

  /**
   * Looks for `term` from chunk index `i` on, the bytes before it kept in `tail` (all inside the construct being
   * searched). Returns the chunk index just after the terminator, or -1 when this chunk does not complete one.
   */
  private find(chunk: Buffer, i: number, n: number, term: string): number {
    const len = term.length;
    // A terminator begun in the bytes before: the longest beginning first, the earliest in the stream.
    for (let k = Math.min(this.tail.length, len - 1); k >= 1; k--) {
      if (!this.tail.endsWith(term.slice(0, k)) || n - i < len - k) continue;
      if (chunk.toString('latin1', i, i + len - k) === term.slice(k)) {
        this.tail = '';
        return i + len - k;
      }
    }
    const at = chunk.indexOf(term, i, 'latin1');
    if (at !== -1) {
      this.tail = '';
      return at + len;
    }
    this.tail = (this.tail + chunk.toString('latin1', Math.max(i, n - (len - 1)), n)).slice(-(len - 1));
    return -1;
  }

  /** Reads from chunk index `i`; returns the index to go on from. */
  private step(chunk: Buffer, i: number, n: number): number {
    const limits = this.limits;
    const pos = this.base + i;
    const c = chunk[i]!;
    switch (this.state) {
      case BOM:
        if (this.k < 3 && c === UTF8_BOM[this.k]) {
          this.k++;
          if (this.k === 3) this.docStart = pos + 1;
          return i + 1;
        }
        if (this.k !== 0 && this.k !== 3) return this.stop(n);
        this.toText(pos);
        return i;

      case TEXT: {
        const lt = chunk.indexOf(LT, i);
        const end = lt === -1 ? n : lt;
        if (this.depth > 0 && end > i) {
          this.textBytes += end - i;
          if (this.textBytes > limits.maxTextBytes) this.fail('maxTextBytes', this.runStart);
        }
        if (lt === -1) return n;
        this.state = OPEN;
        this.tagStart = this.base + lt;
        return lt + 1;
      }

      case OPEN:
        if (c === SLASH) {
          this.state = END_TAG;
          return i + 1;
        }
        if (c === QUESTION) {
          this.state = PI_NAME;
          this.nameStart = pos + 1;
          this.nameLen = 0;
          if (this.tagStart === this.docStart) this.piDecl = '';
          else this.node(this.tagStart);
          return i + 1;
        }
        if (c === BANG) {
          this.state = BANG_;
          return i + 1;
        }
        if (this.depth >= limits.maxDepth) this.fail('maxDepth', this.tagStart);
        this.node(this.tagStart);
        this.state = TAG_NAME;
        this.nameStart = pos;
        this.nameLen = 0;
        this.attributes = 0;
        this.decls = 0;
        return i;

      case BANG_:
        if (c === DASH) {
          this.state = COMMENT_DASH;
          return i + 1;
        }
        if (c === CDATA_WORD.charCodeAt(0)) {
          this.state = CDATA_OPEN;
          this.k = 1;
          return i + 1;
        }
        return this.stop(n); // a DOCTYPE (refused before any scan) or garbage

      case COMMENT_DASH:
        if (c !== DASH) return this.stop(n);
        this.node(this.tagStart);
        this.state = COMMENT;
        this.tail = '';
        return i + 1;

      case COMMENT: {
        const after = this.find(chunk, i, n, '--');
        if (after === -1) return n;
        this.state = COMMENT_CLOSE;
        return after;
      }

      case COMMENT_CLOSE:
        this.toText(pos + 1);
        return i + 1;

      case CDATA_OPEN:
        if (c !== CDATA_WORD.charCodeAt(this.k)) return this.stop(n);
        if (++this.k === CDATA_WORD.length) {
          this.state = CDATA;
          this.tail = '';
          this.valueStart = pos + 1;
        }
        return i + 1;

      case CDATA: {
        const after = this.find(chunk, i, n, ']]>');
        if (after === -1) {
          // The section's body so far, less what may be the start of its terminator.
          if (this.textBytes + this.base + n - this.tail.length - this.valueStart > limits.maxTextBytes) this.fail('maxTextBytes', this.tagStart);
          return n;
        }
        this.node(this.tagStart);
        this.textBytes += this.base + after - 3 - this.valueStart;
        if (this.textBytes > limits.maxTextBytes) this.fail('maxTextBytes', this.tagStart);
        this.toText(this.base + after);
        return after;
      }

      case PI_NAME:
        if (!endsName(c)) {
          if (this.piDecl === null) {
            this.nameByte();
          } else {
            this.nameLen++;
            this.piDecl += String.fromCharCode(c);
            if (this.piDecl.length > 3) this.notDecl();
          }
          return i + 1;
        }
        if (this.piDecl !== null) {
          // The XML declaration is no node and has no name to check.
          if (this.piDecl === 'xml' && (isWs(c) || c === QUESTION)) this.piDecl = null;
          else this.notDecl();
        }
        this.state = PI_BODY;
        this.tail = '';
        return i;

      case PI_BODY: {
        const after = this.find(chunk, i, n, '?>');
        if (after === -1) return n;
        this.toText(this.base + after);
        return after;
      }

      case END_TAG: {
        const gt = chunk.indexOf(GT, i);
        if (gt === -1) return n;
        if (this.depth === 0) return this.stop(n);
        this.depth--;
        this.textBytes = 0;
        this.toText(this.base + gt + 1);
        return gt + 1;
      }

      case TAG_NAME: {
        const end = this.nameRun(chunk, i, n);
        if (end === n) return n;
        if (this.nameLen === 0) return this.stop(n);
        this.state = IN_TAG;
        return end;
      }

      case IN_TAG:
        if (isWs(c)) return i + 1;
        if (c === GT) return this.endOfTag(false, pos, i);
        if (c === SLASH) {
          this.state = TAG_SLASH;
          return i + 1;
        }
        if (endsName(c)) return this.stop(n);
        if (this.attributes >= limits.maxAttributes) this.fail('maxAttributes', pos);
        this.attributes++;
        this.state = ATTR_NAME;
        this.nameStart = pos;
        this.nameLen = 0;
        this.nsMatch = 0;
        return i;

      case TAG_SLASH:
        if (c !== GT) return this.stop(n);
        return this.endOfTag(true, pos, i);

      case ATTR_NAME:
        if (!endsName(c)) {
          // The first bytes one at a time, for xmlns; the rest of the name in one run.
          if (this.nameLen > 5) return this.nameRun(chunk, i, n);
          if (this.nsMatch >= 0) {
            if (this.nameLen < 5) this.nsMatch = c === XMLNS.charCodeAt(this.nameLen) ? this.nsMatch + 1 : -1;
            else this.nsMatch = c === 0x3a /* : */ ? 6 : -1;
          }
          this.nameByte();
          return i + 1;
        }
        if (this.nameLen === 0) return this.stop(n);
        if ((this.nameLen === 5 && this.nsMatch === 5) || (this.nameLen > 6 && this.nsMatch === 6)) this.decls++;
        this.state = ATTR_EQ;
        return i;

      case ATTR_EQ:
        if (isWs(c)) return i + 1;
        if (c !== EQUALS) return this.stop(n);
        this.state = ATTR_QUOTE;
        return i + 1;

      case ATTR_QUOTE:
        if (isWs(c)) return i + 1;
        if (c !== QUOT && c !== APOS) return this.stop(n);
        this.quote = c;
        this.valueStart = pos + 1;
        this.state = ATTR_VALUE;
        return i + 1;

      case ATTR_VALUE: {
        const q = chunk.indexOf(this.quote, i);
        if (this.base + (q === -1 ? n : q) - this.valueStart > limits.maxAttributeBytes) this.fail('maxAttributeBytes', this.valueStart);
        if (q === -1) return n;
        this.state = IN_TAG;
        return q + 1;
      }

      default:
        return n;
    }
  }

  /** The PI at the start is no XML declaration after all: it counts (the parser counts a PI, then reads its name). */
  private notDecl(): void {
    this.piDecl = null;
    this.node(this.tagStart);
    if (this.nameLen > this.limits.maxNameBytes) this.fail('maxNameBytes', this.nameStart);
  }

  private endOfTag(empty: boolean, pos: number, i: number): number {
    const scope = this.scopes[this.depth]! + this.decls;
    if (scope > this.limits.maxNamespaces) this.fail('maxNamespaces', this.tagStart);
    this.textBytes = 0;
    if (!empty) this.scopes[++this.depth] = scope;
    this.toText(pos + 1);
    return i + 1;
  }

  /** Name bytes from chunk index `i` on: the index of the first byte that ends the name, or `n`. */
  private nameRun(chunk: Buffer, i: number, n: number): number {
    let j = i;
    while (j < n && !endsName(chunk[j]!)) j++;
    this.nameLen += j - i;
    if (this.nameLen > this.limits.maxNameBytes) this.fail('maxNameBytes', this.nameStart);
    return j;
  }

  private stop(n: number): number {
    this.state = STOP;
    return n;
  }
}
