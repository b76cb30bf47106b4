import { defineMachine } from './machine';

/**
 * One tenant's month in the e-Defter archive (e-Saklama, issue 13; seed 002's "Yedekleme durumu"), with e-Logo's
 * words: Entegratör'e Gönderilmedi → Entegratöre işlendi (the month's seven kinds of ZIP checked and stored, a new
 * version) → Yedeklendi (the status query re-read and re-hashed every stored file), or Yedeklenemedi with the reason
 * (a send that failed its checks before anything was stored, or a status query that found a file missing or
 * changed) — the month is then sent again. A month is never final: a later send stores a new version and keeps the
 * earlier ones. A failed resend of a month already stored leaves it where it was (what is stored did not change);
 * the failure is in its history and last error.
 */
const store = { STORE: { target: 'PROCESSED' as const } };

export const ledgerBackupMachine = defineMachine({
  id: 'ledger-backup',
  initial: 'NOT_SENT',
  initialEffects: [],
  events: ['STORE', 'STORE_FAIL', 'VERIFY', 'VERIFY_FAIL'],
  states: {
    NOT_SENT: {
      status: 1, code: 200, description: "Entegratör'e Gönderilmedi",
      on: { ...store, STORE_FAIL: { target: 'FAILED' } },
    },
    PROCESSED: {
      status: 1, code: 210, description: 'Entegratöre işlendi',
      on: { ...store, STORE_FAIL: { target: 'PROCESSED' }, VERIFY: { target: 'BACKED_UP' }, VERIFY_FAIL: { target: 'FAILED' } },
    },
    BACKED_UP: {
      status: 2, code: 220, description: 'Yedeklendi',
      on: { ...store, STORE_FAIL: { target: 'BACKED_UP' }, VERIFY: { target: 'BACKED_UP' }, VERIFY_FAIL: { target: 'FAILED' } },
    },
    FAILED: {
      status: -1, code: null, description: 'Yedeklenemedi',
      // A status query after a failure proves the stored version sound again (e.g. a disk that was away is back).
      on: { ...store, STORE_FAIL: { target: 'FAILED' }, VERIFY: { target: 'BACKED_UP', guards: ['hasStoredVersion'] }, VERIFY_FAIL: { target: 'FAILED' } },
    },
  },
  guards: {
    hasStoredVersion: ({ context }) => typeof context.storedVersion === 'number' && context.storedVersion > 0,
  },
});
