import fs from 'node:fs';

/**
 * The gateway's business clock: wall-clock time, or — for end-to-end tests of what waits for a date (a service
 * opened "an hour later", the 8-day KABUL window) across separate processes — wall-clock time plus the offset in
 * milliseconds written in GW_CLOCK_OFFSET_FILE, read again when the file changes (looked at no more than every 50 ms).
 * A missing or unreadable file is an offset of 0.
 */
export function createClock(offsetFile: string | null): () => Date {
  if (!offsetFile) return () => new Date();
  let offset = 0;
  let checkedAt = 0;
  let mtime = -1;
  return () => {
    const now = Date.now();
    if (now - checkedAt >= 50) {
      checkedAt = now;
      try {
        const stat = fs.statSync(offsetFile);
        if (stat.mtimeMs !== mtime) {
          mtime = stat.mtimeMs;
          const value = Number(fs.readFileSync(offsetFile, 'utf8').trim());
          offset = Number.isFinite(value) ? value : 0;
        }
      } catch {
        offset = 0;
        mtime = -1;
      }
    }
    return new Date(now + offset);
  };
}
