/**
 * The signed contract sent from Hizmetlerim's form: multipart/form-data (a file, or the XML pasted into a text box),
 * read with busboy within a size limit. The CSRF token travels in the form's action URL (the portal checks it before
 * this body is read).
 */
import type { Request } from 'express';
import busboy from 'busboy';
import { GatewayError } from '../../faults';

export interface UploadFields {
  /** The file field's name. */
  file: string;
  /** The text box's name (the same document pasted). */
  text: string;
  maxBytes: number;
}

/** The uploaded file, else the pasted text; null when the form held neither. */
export async function readUpload(req: Request, f: UploadFields): Promise<Buffer | null> {
  const tooLarge = () => new GatewayError('PORTAL_INPUT', { field: `sözleşme dosyası en fazla ${Math.floor(f.maxBytes / 1024)} KB olabilir` });
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: f.maxBytes, fields: 4, fieldSize: f.maxBytes, parts: 6 } });
  } catch {
    throw new GatewayError('PORTAL_INPUT', { field: 'sözleşme dosyası (multipart/form-data)' });
  }
  return new Promise<Buffer | null>((resolve, reject) => {
    let file: Buffer | null = null;
    let text: string | null = null;
    let failure: GatewayError | null = null;
    parser.on('file', (name, stream) => {
      if (name !== f.file) return void stream.resume();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => (failure = tooLarge()));
      stream.on('end', () => (file = Buffer.concat(chunks)));
    });
    parser.on('field', (name, value, info) => {
      if (name !== f.text) return;
      if (info.valueTruncated) failure = tooLarge();
      text = value;
    });
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) parser.on(limit, () => (failure ??= new GatewayError('PORTAL_INPUT', { field: 'sözleşme formu' })));
    parser.on('error', () => reject(new GatewayError('PORTAL_INPUT', { field: 'sözleşme dosyası okunamadı' })));
    parser.on('close', () => {
      if (failure) return reject(failure);
      const pasted = text?.trim() ? Buffer.from(text.trim(), 'utf8') : null;
      resolve(file && file.length > 0 ? file : pasted);
    });
    req.pipe(parser);
  });
}
