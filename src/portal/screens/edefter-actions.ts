/**
 * What the e-Defter and e-Saklama handlers share: "not this tenant's" as the portal's 404 whatever the service calls
 * it, and a file sent as a download.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Response } from 'express';
import { GatewayError, type FaultName } from '../../faults';

/** A lookup whose "not found" faults (another tenant's month or file looks the same) are the portal's 404. */
export async function orNotFound<T>(lookup: Promise<T>, notFound: readonly FaultName[]): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof GatewayError && notFound.includes(err.fault)) throw new GatewayError('PORTAL_NOT_FOUND');
    throw err;
  }
}

/** Sends a file as an attachment under `fileName` (a name the service gave, never one from the request). */
export async function sendDownload(res: Response, fileName: string, contentType: string, body: Readable): Promise<void> {
  res.status(200);
  res.attachment(fileName);
  res.type(contentType);
  res.setHeader('Cache-Control', 'no-store');
  await pipeline(body, res);
}
