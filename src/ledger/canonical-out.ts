/**
 * Where a ledger or berat is written: a stream that also hashes what it is given, so that the XAdES signature
 * (enveloped, Reference URI="") is made without parsing a document that may be a gigabyte. This only works because
 * the writers emit their documents in canonical form already (inclusive C14N: no empty-element tags, namespace
 * declarations sorted by prefix before the attributes, C14N escaping); tests canonicalise the writers' output with
 * the project's C14N and compare. The XML declaration is written but not hashed (C14N drops it); the signature is
 * written but not hashed (the enveloped-signature transform removes it), just before the root's end tag, which is.
 */
import crypto from 'node:crypto';
import type { Writable } from 'node:stream';
import { completeXades, prepareStreamedXades, type Signer } from '../signing';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Makes the ds:Signature for a document whose canonical form (without the signature) has this SHA-256 (base64). */
export type SignatureFor = (docDigest: string) => Promise<string>;

export interface CanonicalOut {
  /** Text of the document (canonical form), after the XML declaration. */
  write(text: string): Promise<void>;
  /** Writes out what is gathered (before the stream is ended early: a part written again, yevmiye-writer.ts). */
  flush(): Promise<void>;
  /**
   * Bytes already in canonical form (UTF-8), hashed and written as they are: a part's entries copied from its first
   * writing. The caller may reuse `chunk` once this resolves.
   */
  writeBytes(bytes: Buffer): Promise<void>;
  /** Writes `rootEnd` (the root's end tag) after the signature made for the digest of everything including it. */
  close(rootEnd: string, signature: string | SignatureFor): Promise<{ digest: string; bytes: number }>;
}

/**
 * Text is encoded piece by piece into a buffer of this size, which is hashed and written when full. Gathering the
 * text into one string first and encoding that was ≈ 4× slower: V8 must flatten the concatenated string (a tree of
 * thousands of pieces) before it can encode it.
 */
const CHUNK_BYTES = 1 << 20;

/**
 * Set (to true) on a Writable that is done with a chunk when the chunk's write callback runs — the ledger store's
 * files: the bytes are in the file by then. canonicalOut then reuses its buffers instead of taking a new one per
 * chunk (a gigabyte written in fresh 1 MB buffers kept up to ≈ 60 MB of them waiting for the garbage collector).
 * Any other stream (a PassThrough keeps the chunk it is given) gets a new buffer each time.
 */
export const RELEASES_CHUNKS = Symbol('releases chunks on write callback');

export async function canonicalOut(out: Writable): Promise<CanonicalOut> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const reuse = (out as Writable & { [RELEASES_CHUNKS]?: boolean })[RELEASES_CHUNKS] === true;
  const spare: Buffer[] = [];
  let buf: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const raw = (b: Buffer, release?: () => void) => {
    bytes += b.length;
    return out.write(b, release) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  };
  const encoded = (b: Buffer, release?: () => void) => {
    hash.update(b);
    return raw(b, release);
  };
  const flush = () => {
    if (used === 0) return Promise.resolve();
    const full = buf;
    const n = used;
    buf = spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
    return encoded(full.subarray(0, n), reuse ? () => spare.push(full) : undefined);
  };
  await raw(Buffer.from(XML_DECLARATION, 'latin1'));
  return {
    async write(text) {
      // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
      if (text.length * 3 > CHUNK_BYTES - used) {
        await flush();
        if (text.length * 3 > CHUNK_BYTES) return encoded(Buffer.from(text, 'utf8'));
      }
      used += buf.write(text, used, 'utf8');
    },
    flush,
    async writeBytes(chunk) {
      await flush();
      if (!reuse) return encoded(Buffer.from(chunk)); // the stream may keep what it is given; the caller reuses it
      hash.update(chunk);
      bytes += chunk.length;
      await new Promise<void>((resolve, reject) => out.write(chunk, (err) => (err ? reject(err) : resolve())));
    },
    async close(rootEnd, signature) {
      await flush();
      hash.update(rootEnd, 'utf8'); // hashed now, written after the signature
      const digest = hash.digest('base64');
      const sig = typeof signature === 'string' ? signature : await signature(digest);
      await raw(Buffer.from(`${sig}${rootEnd}\n`, 'utf8'));
      return { digest, bytes };
    },
  };
}

/**
 * A SignatureFor that seals with `signer`: XAdES-BES as GİB's e-Defter Teknik Kılavuz places it (enveloped, the last
 * element of the root). `rootNamespaces` are the root's declarations, which the signature's canonical parts inherit.
 */
export function sealWith(signer: Signer, rootNamespaces: ReadonlyArray<readonly [string, string]>, signingTime?: Date): SignatureFor {
  return async (docDigest) => {
    const prepared = prepareStreamedXades(docDigest, await signer.certificateChain(), rootNamespaces, { signingTime, claimedRole: null });
    return completeXades(prepared, await signer.sign(prepared.signedInfo, 'RSA-SHA256')).toString('utf8');
  };
}
