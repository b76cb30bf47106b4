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
  /** Bytes already in canonical form (UTF-8), hashed and written as they are: a part's entries copied from its first writing. */
  writeBytes(bytes: Buffer): Promise<void>;
  /** Writes `rootEnd` (the root's end tag) after the signature made for the digest of everything including it. */
  close(rootEnd: string, signature: string | SignatureFor): Promise<{ digest: string; bytes: number }>;
}

/** Text is gathered up to this many characters and then encoded once, hashed and written as one buffer. */
const CHUNK_CHARS = 256 * 1024;

export async function canonicalOut(out: Writable): Promise<CanonicalOut> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  let pending = '';
  const raw = (b: Buffer) => {
    bytes += b.length;
    return out.write(b) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  };
  const flush = () => {
    const b = Buffer.from(pending, 'utf8');
    pending = '';
    hash.update(b);
    return raw(b);
  };
  await raw(Buffer.from(XML_DECLARATION, 'latin1'));
  return {
    write(text) {
      pending += text;
      return pending.length >= CHUNK_CHARS ? flush() : Promise.resolve();
    },
    flush,
    async writeBytes(bytes) {
      if (pending) await flush();
      hash.update(bytes);
      await raw(bytes);
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
