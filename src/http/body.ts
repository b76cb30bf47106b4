/**
 * A request body as one Buffer, under a byte limit (after gzip/deflate/br inflation), for the SOAP endpoints. It
 * replaces express.raw there because raw-body keeps every chunk and joins them at the end: twice the body in
 * memory, and the join writes 20 MB of fresh pages in one go (≈ 54 ms here, the event loop standing still). With
 * a Content-Length and no content coding — what SOAP clients send — the body is copied chunk by chunk into one
 * buffer of that length, so the pages are touched as the bytes arrive; otherwise (chunked or compressed) the chunks
 * are joined once at the end, as before.
 *
 * An `inspect` function sees every chunk (inflated) before it is kept; what it throws ends the read at once (the SOAP
 * endpoints check the XML limits there, src/xml/prescan.ts, so a hostile body is refused within its first
 * kilobytes and never held). What is left of the body:
 *   up to DRAIN_BUDGET (declared by Content-Length)   read and dropped, so the connection stays usable; on a
 *       keep-alive connection the answer goes out at once, ahead of it; a client that asked for Connection: close
 *       is answered once it has sent everything (Node closes such a connection as soon as the answer is written,
 *       and a client still writing then gets a reset, EPIPE, instead of the answer);
 *   more, or unknown (chunked, compressed)   not read at all: the answer goes out at once and the connection is
 *       left open for the client to read it — Node's keep-alive timeout then closes it (the request timeout at the
 *       latest). Reading 80 MB only to drop it cost the gateway ≈ 0.4 s of CPU (every chunk is a fresh copy), and
 *       on this 2-core machine that was what /health waited for.
 * node's http client, fetch (undici) and curl all read such an early answer while still sending (checked).
 *
 * Failures carry raw-body's `type` and `status`, so the handlers' error middleware reads them as it did:
 * entity.too.large (413; the rest of the body is read and dropped first, so the answer is not cut off by a reset
 * connection), encoding.unsupported (415), request.size.invalid and request.aborted (400), and the decompressor's
 * own error for a broken gzip stream (400).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

export interface BodyError extends Error {
  type: string;
  status: number;
  limit?: number;
}

function bodyError(type: string, status: number, message: string, limit?: number): BodyError {
  return Object.assign(new Error(message), { type, status, ...(limit !== undefined ? { limit } : {}) });
}

function decompressor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

/** Reads what is left of `req` and drops it; resolves when the request has ended (or its connection closed). */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete || req.destroyed) return resolve();
    req.removeAllListeners('data');
    req.once('end', resolve).once('close', resolve).once('error', resolve);
    req.resume();
  });
}

/** Sees each chunk of a body before it is kept; throws to refuse the body. */
export type BodyInspector = (chunk: Buffer) => void;

/** Whether the connection closes after this request's answer (HTTP/1.0 without keep-alive, or Connection: close). */
function closesAfter(req: IncomingMessage): boolean {
  const connection = (req.headers.connection ?? '').toLowerCase();
  return req.httpVersion === '1.0' ? !connection.includes('keep-alive') : connection.includes('close');
}

/** What is left of a refused body is read and dropped up to this much (see the top of this file). */
export const DRAIN_BUDGET = 4 * 1024 * 1024;

/** `res`: the request's answer, kept from closing the connection under a client still sending (see above). */
export function readBody(req: IncomingMessage, limit: number, inspect?: BodyInspector, res?: ServerResponse): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  const declared = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
  const identity = encoding === 'identity';
  const inflate = identity ? null : decompressor(encoding);
  if (!identity && !inflate) return drain(req).then(() => Promise.reject(bodyError('encoding.unsupported', 415, `content encoding ${encoding} unsupported`)));
  if (identity && declared !== null && declared > limit) {
    return drain(req).then(() => Promise.reject(bodyError('entity.too.large', 413, 'request entity too large', limit)));
  }

  return new Promise<Buffer>((resolve, reject) => {
    // One buffer of the declared length, filled as chunks come; or the chunks, joined at the end.
    const whole = identity && declared !== null ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const stream: Readable = inflate ?? req;

    /** dropRest: read the rest and drop it, then reject (or, 'behind', reject at once and drop it meanwhile). */
    const fail = (err: Error, dropRest: boolean | 'behind') => {
      if (settled) return;
      settled = true;
      cleanup();
      if (inflate) {
        req.unpipe(inflate);
        inflate.destroy();
      }
      if (dropRest === 'behind') {
        const rest = identity && declared !== null ? declared - received : Number.POSITIVE_INFINITY;
        if (rest > DRAIN_BUDGET) {
          // Not read any further: TCP holds the client back, and the answer must not close the connection on it.
          req.pause();
          if (res) res.shouldKeepAlive = true;
          reject(err);
          return;
        }
        if (!closesAfter(req)) {
          void drain(req);
          reject(err);
          return;
        }
      }
      if (dropRest) void drain(req).then(() => reject(err));
      else reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (received + chunk.length > (whole ? whole.length : limit)) {
        fail(whole ? bodyError('request.size.invalid', 400, 'request size did not match content length') : bodyError('entity.too.large', 413, 'request entity too large', limit), true);
        return;
      }
      if (inspect) {
        try {
          inspect(chunk);
        } catch (err) {
          fail(err as Error, 'behind');
          return;
        }
      }
      if (whole) chunk.copy(whole, received);
      else chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = () => {
      if (settled) return;
      if (whole && received !== whole.length) return fail(bodyError('request.size.invalid', 400, 'request size did not match content length'), false);
      settled = true;
      cleanup();
      resolve(whole ?? (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received)));
    };
    const onAborted = () => fail(bodyError('request.aborted', 400, 'request aborted'), false);
    const onError = (err: Error) => fail(Object.assign(err, { type: inflate ? 'encoding.invalid' : 'request.aborted', status: 400 }), Boolean(inflate));
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    function cleanup(): void {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      req.removeListener('aborted', onAborted);
      req.removeListener('close', onClose);
      if (inflate) req.removeListener('error', onError);
    }

    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    req.on('aborted', onAborted);
    req.on('close', onClose);
    if (inflate) {
      req.on('error', onError);
      req.pipe(inflate);
    }
  });
}

/**
 * readBody as middleware (in place of express.raw): the body in `req.body`, or the error passed to `next`.
 * `inspector` makes a request's inspector (or none, for that request).
 */
export function rawBody(limit: number, inspector?: (req: IncomingMessage) => BodyInspector | undefined) {
  return (req: IncomingMessage & { body?: unknown }, res: ServerResponse, next: (err?: unknown) => void): void => {
    readBody(req, limit, inspector?.(req), res).then(
      (body) => {
        req.body = body;
        next();
      },
      next,
    );
  };
}
