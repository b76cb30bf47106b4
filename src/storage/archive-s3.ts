/**
 * The e-Defter archive on an S3-compatible object store (AWS S3, MinIO, Ceph RGW…), with S3 Object Lock when the
 * bucket has it: keys `<prefix>/<vkn>/<sha256>`, the same content-addressed keys as the local store.
 *
 * One streamed PutObject per file (not a multipart upload): archive files stay far below S3's 5 GB single-PUT limit,
 * the body goes from disk to the socket without being buffered, the server checks the whole file against its
 * SHA-256 (x-amz-checksum-sha256; multipart would only give per-part or composite checksums), the Object Lock
 * headers ride on the same request, and a failed upload leaves no half-finished multipart upload behind.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { ArchiveMissingError, archiveKey, parseArchiveKey, type ArchiveStore } from './archive-store';

export interface S3ArchiveOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle?: boolean;
  /** Prepended to every object key (a `/` is added when missing). */
  prefix?: string;
  /** 'auto': use Object Lock when the bucket has it; 'on': require it; 'off': never use it. */
  objectLock?: 'auto' | 'on' | 'off';
}

export interface S3ArchiveStore extends ArchiveStore {
  readonly kind: 's3';
  /** Whether puts lock objects (asks the bucket once); with objectLock 'on', rejects when the bucket has no lock. */
  objectLockActive(): Promise<boolean>;
  /** Closes the client's pooled sockets. */
  close(): void;
}

/** Attempts per put: the SDK never retries a request whose body is a stream, so the store reopens the file itself. */
const PUT_ATTEMPTS = 3;
const PUT_BACKOFF_MS = 300;

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}
const statusOf = (err: unknown) => (err as SdkError)?.$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as SdkError)?.name;

/** A failure worth sending the file again for: the network, a timeout, throttling or a 5xx (not 501). */
function transient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status === 429 || (status >= 500 && status !== 501) || nameOf(err) === 'RequestTimeout';
  const code = (err as SdkError)?.code ?? nameOf(err);
  return ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout'].includes(code ?? '');
}

// The SDK's version is pinned in package.json: its warning that later versions will need Node 22 says nothing here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function createS3ArchiveStore(opts: S3ArchiveOptions): S3ArchiveStore {
  const client = new S3Client({
    region: opts.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? false,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // The SDK's default (WHEN_SUPPORTED) turns a streamed PUT without a checksum of ours into aws-chunked encoding
    // with a CRC32 trailer, which servers without flexible checksums (s3rver, older MinIO/Ceph) store verbatim,
    // framing included. Puts carry our SHA-256 header anyway; this keeps every other request plain too.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = opts.bucket;
  const prefix = opts.prefix ? (opts.prefix.endsWith('/') ? opts.prefix : `${opts.prefix}/`) : '';
  const mode = opts.objectLock ?? 'auto';
  const objectKey = (key: string) => {
    parseArchiveKey(key);
    return prefix + key;
  };

  let lockCheck: Promise<boolean> | null = null;
  async function askBucket(): Promise<boolean> {
    if (mode === 'off') return false;
    let enabled: boolean;
    try {
      const res = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      enabled = res.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    } catch (err) {
      // S3/MinIO answer ObjectLockConfigurationNotFoundError for a bucket without lock; s3rver answers NotImplemented.
      // Anything else (denied, no such bucket, network) is not an answer: let it through rather than guess.
      const name = nameOf(err);
      if (name !== 'ObjectLockConfigurationNotFoundError' && name !== 'NotImplemented' && statusOf(err) !== 501) throw err;
      enabled = false;
    }
    if (!enabled && mode === 'on') {
      throw new Error(`archive: S3 bucket "${bucket}" has no Object Lock enabled, but objectLock is 'on' (GW_ARCHIVE_S3_OBJECT_LOCK=on); enable Object Lock on the bucket or set it to auto/off`);
    }
    return enabled;
  }
  function objectLockActive(): Promise<boolean> {
    // Asked once; a failed question is asked again next time.
    lockCheck ??= askBucket().catch((err: unknown) => {
      lockCheck = null;
      throw err;
    });
    return lockCheck;
  }

  async function head(Key: string): Promise<HeadObjectCommandOutput | null> {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED' }));
    } catch (err) {
      // HEAD has no error body: NoSuchKey arrives as a bare 404 ("NotFound").
      if (statusOf(err) === 404 || nameOf(err) === 'NotFound' || nameOf(err) === 'NoSuchKey') return null;
      throw err;
    }
  }

  return {
    kind: 's3',
    objectLockActive,
    close: () => client.destroy(),

    async put(vkn, filePath, meta) {
      const key = archiveKey(vkn, meta.sha256);
      const Key = prefix + key;
      const locked = await objectLockActive();
      const checksum = Buffer.from(meta.sha256, 'hex').toString('base64');

      const existing = await head(Key);
      // Same size, and the same SHA-256 when the server kept the one we sent: the same bytes, nothing to upload.
      if (existing && existing.ContentLength === meta.sizeBytes && (!existing.ChecksumSHA256 || existing.ChecksumSHA256 === checksum)) {
        if (locked && !(existing.ObjectLockRetainUntilDate && existing.ObjectLockRetainUntilDate >= meta.retainUntil)) {
          await client.send(
            new PutObjectRetentionCommand({ Bucket: bucket, Key, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: meta.retainUntil } }),
          );
        }
        return { key, lockedByStore: locked };
      }

      // ContentLength is sent as measured by the caller: a file of another size would hang or truncate the request.
      const onDisk = (await fsp.stat(filePath)).size;
      if (onDisk !== meta.sizeBytes) throw new Error(`archive: ${filePath} has ${onDisk} bytes, expected ${meta.sizeBytes}`);

      for (let attempt = 1; ; attempt++) {
        const body = fs.createReadStream(filePath, { highWaterMark: 1 << 20 });
        try {
          await client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key,
              Body: body,
              ContentLength: meta.sizeBytes,
              ContentType: 'application/octet-stream',
              ChecksumSHA256: checksum,
              ...(locked ? { ObjectLockMode: 'COMPLIANCE' as const, ObjectLockRetainUntilDate: meta.retainUntil } : {}),
            }),
          );
          return { key, lockedByStore: locked };
        } catch (err) {
          if (attempt >= PUT_ATTEMPTS || !transient(err)) throw err;
          await new Promise((resolve) => setTimeout(resolve, PUT_BACKOFF_MS * attempt));
        } finally {
          body.destroy();
        }
      }
    },

    async read(key, range) {
      const Key = objectKey(key);
      try {
        const res = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        );
        // In Node the body is an http.IncomingMessage (a Readable).
        return res.Body as Readable;
      } catch (err) {
        // Only a missing key: a missing bucket (also 404, NoSuchBucket) is a configuration error, not a lost object.
        if (nameOf(err) === 'NoSuchKey') throw new ArchiveMissingError(key);
        throw err;
      }
    },

    async stat(key) {
      const res = await head(objectKey(key));
      return res ? { sizeBytes: res.ContentLength ?? 0 } : null;
    },

    async remove(key) {
      const Key = objectKey(key);
      if (!(await objectLockActive())) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
        return;
      }
      // A lock bucket is versioned: a plain DELETE would only add a delete marker and keep the bytes. Delete every
      // version by id, which the server refuses while a version's retention lasts.
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      do {
        const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: Key, KeyMarker, VersionIdMarker }));
        for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
          if (v.Key === Key && v.VersionId) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key, VersionId: v.VersionId }));
        }
        KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (KeyMarker);
    },
  };
}
