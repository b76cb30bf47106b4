/**
 * The e-Defter Yükle form's file, read from a multipart body with busboy: streamed to a temporary file of our own
 * naming (the name the browser sent is only handed to the service, which checks it — it never becomes a path), cut
 * off past the configured limit (then removed: nothing of an oversize upload is kept), the form's other fields
 * alongside. A month's source may be hundreds of megabytes, so it is never held in memory.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import busboy from 'busboy';
import { GatewayError } from '../../faults';

export interface ReceivedFile {
  /** The name the browser gave the file (untrusted; for the service's checks only). */
  fileName: string;
  /** Where its bytes are; the caller removes it (`removeUpload`). */
  path: string;
  sizeBytes: number;
  fields: Record<string, string>;
}

export interface UploadLimits {
  /** The one file field read. */
  field: string;
  maxBytes: number;
  tmpDir?: string;
}

export async function removeUpload(file: Pick<ReceivedFile, 'path'> | null | undefined): Promise<void> {
  if (file) await fsp.rm(file.path, { force: true });
}

/** Reads the request's multipart body: its one file (PORTAL_INPUT without it, REQUEST_TOO_LARGE past the limit). */
export function receiveUpload(req: Request, limits: UploadLimits): Promise<ReceivedFile> {
  if (!/^multipart\/form-data/i.test(req.get('content-type') ?? '')) return Promise.reject(new GatewayError('PORTAL_INPUT', { field: 'Dosya' }));
  const target = path.join(limits.tmpDir ?? os.tmpdir(), `gw-portal-upload-${randomUUID()}.part`);
  return new Promise<ReceivedFile>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let fileName: string | null = null;
    let sizeBytes = 0;
    let tooLarge = false;
    let writing: Promise<void> | null = null;
    let file: NodeJS.ReadableStream & { destroy(): void } | null = null;
    let settled = false;
    /** Refused: the file's stream stopped, the temporary file gone, then the answer (the rest of the body is dropped). */
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe();
      req.resume();
      file?.destroy();
      void (writing ?? Promise.resolve()).catch(() => undefined).then(() => fsp.rm(target, { force: true })).finally(() => reject(err));
    };
    let bb: busboy.Busboy;
    try {
      // preservePath: the name as sent, so a name carrying a path is refused by the service, not quietly shortened.
      bb = busboy({ headers: req.headers, preservePath: true, limits: { files: 1, fileSize: limits.maxBytes, fields: 10, fieldSize: 1024, parts: 12 } });
    } catch {
      return reject(new GatewayError('PORTAL_INPUT', { field: 'Dosya' }));
    }
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (name, stream, info) => {
      if (name !== limits.field || writing || !info.filename) {
        stream.resume();
        return;
      }
      fileName = info.filename;
      file = stream;
      stream.on('data', (chunk: Buffer) => (sizeBytes += chunk.length));
      stream.on('limit', () => (tooLarge = true));
      writing = pipeline(stream, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
      writing.catch(fail);
    });
    bb.on('error', () => fail(new GatewayError('PORTAL_INPUT', { field: 'Dosya' })));
    bb.on('close', () => {
      void (async () => {
        if (writing) await writing;
        if (settled) return;
        if (tooLarge) return fail(new GatewayError('REQUEST_TOO_LARGE', { limit: limits.maxBytes }));
        if (fileName === null) return fail(new GatewayError('PORTAL_INPUT', { field: 'Dosya' }));
        settled = true;
        resolve({ fileName, path: target, sizeBytes, fields });
      })().catch(fail);
    });
    req.on('aborted', () => fail(new GatewayError('PORTAL_INPUT', { field: 'Dosya' })));
    req.pipe(bb);
  });
}
