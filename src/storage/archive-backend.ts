/**
 * The archive store the configuration asks for: local files by default, an S3-compatible object store when a bucket
 * is configured (GW_ARCHIVE_S3_*).
 */
import type { ArchiveSettings } from '../config';
import { createS3ArchiveStore } from './archive-s3';
import { createLocalArchiveStore, type ArchiveStore } from './archive-store';

export function createArchiveStore(settings: ArchiveSettings): ArchiveStore {
  const s3 = settings.s3;
  if (!s3) return createLocalArchiveStore(settings.dir);
  return createS3ArchiveStore({
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    region: s3.region,
    bucket: s3.bucket,
    prefix: s3.prefix,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: s3.forcePathStyle,
    objectLock: s3.objectLock,
  });
}
