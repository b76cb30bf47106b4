import { defineMachine } from './machine';

/**
 * One book (Yevmiye or Büyük Defter) of one tenant's month of e-Defter (issue 12). The states are the steps of
 * seed 001's "e-Defter Yükle" screen with e-Logo's names: İşlem Yapılmadı → Dosya Oluşturuldu → Dosya İmzalandı →
 * Berat Oluşturuldu → Berat İmzalandı → GİB'e Gönderildi → GİB Onayladı → Onaylı Berat İndirildi.
 *
 * PLAN records what the user asked for (a step, or everything: "e-Defter Yükle") and starts the ledger.advance job,
 * which does the next step's work and applies its event; every step's transition starts it again, and it stops
 * when the goal is reached. Both books of a month move together (one pass over the journal builds both).
 * A check that fails (the journal, GİB's rules) and GİB's rejection are states that keep the reason (the event's
 * code and text); RESET — a new source or new dates — starts the month over while nothing was sent. A wrong PIN or
 * a missing card is not a state: the step's job fails, the book stays where it was and STEP_FAIL records why (the
 * step can be asked for again).
 */
const again = ['ledger.advance'] as const;
const reset = { RESET: { target: 'NOT_STARTED' as const } };
/** A step's job failed for good without a verdict on the books (the seal, the disk): the state stays, the reason is kept. */
const stepFail = <S extends string>(state: S) => ({ STEP_FAIL: { target: state } });

export const ledgerBookMachine = defineMachine({
  id: 'ledger-book',
  initial: 'NOT_STARTED',
  initialEffects: [],
  events: ['PLAN', 'BUILD', 'CHECK_FAIL', 'SIGN', 'BUILD_BERAT', 'SIGN_BERAT', 'SEND', 'APPROVE', 'REJECT', 'DOWNLOAD', 'RESET', 'STEP_FAIL'],
  states: {
    NOT_STARTED: {
      status: 1, code: 100, description: 'İşlem Yapılmadı',
      on: { PLAN: { target: 'NOT_STARTED', effects: again }, BUILD: { target: 'FILE_CREATED', effects: again }, CHECK_FAIL: { target: 'CHECK_FAILED' }, ...reset, ...stepFail('NOT_STARTED') },
    },
    CHECK_FAILED: { status: -1, code: null, description: 'Kontrol Hatası', on: reset },
    FILE_CREATED: {
      status: 1, code: 110, description: 'Dosya Oluşturuldu',
      on: { PLAN: { target: 'FILE_CREATED', effects: again }, SIGN: { target: 'FILE_SIGNED', effects: again }, ...reset, ...stepFail('FILE_CREATED') },
    },
    FILE_SIGNED: {
      status: 1, code: 120, description: 'Dosya İmzalandı',
      on: { PLAN: { target: 'FILE_SIGNED', effects: again }, BUILD_BERAT: { target: 'BERAT_CREATED', effects: again }, ...reset, ...stepFail('FILE_SIGNED') },
    },
    BERAT_CREATED: {
      status: 1, code: 130, description: 'Berat Oluşturuldu',
      on: { PLAN: { target: 'BERAT_CREATED', effects: again }, SIGN_BERAT: { target: 'BERAT_SIGNED', effects: again }, ...reset, ...stepFail('BERAT_CREATED') },
    },
    BERAT_SIGNED: {
      status: 1, code: 140, description: 'Berat İmzalandı',
      on: { PLAN: { target: 'BERAT_SIGNED', effects: again }, SEND: { target: 'SENT', effects: again }, ...reset, ...stepFail('BERAT_SIGNED') },
    },
    SENT: {
      status: 1, code: 150, description: "GİB'e Gönderildi",
      on: { PLAN: { target: 'SENT', effects: again }, APPROVE: { target: 'APPROVED', effects: again }, REJECT: { target: 'GIB_REJECTED' }, ...stepFail('SENT') },
    },
    APPROVED: {
      status: 1, code: 160, description: 'GİB Onayladı',
      // Downloaded: the month may be complete, and an automatic backup (issue 13) stores it then.
      on: { PLAN: { target: 'APPROVED', effects: again }, DOWNLOAD: { target: 'DOWNLOADED', effects: [...again, 'ledger.backup'] }, ...stepFail('APPROVED') },
    },
    DOWNLOADED: { status: 2, code: 170, description: 'Onaylı Berat İndirildi', final: true },
    GIB_REJECTED: { status: -1, code: null, description: 'GİB Hatası', on: reset },
  },
  guards: {},
});

/** The steps a user can ask for, by the event that completes each (the seed's buttons), in order. */
export const LEDGER_STEPS = [
  { step: 'DOSYA_OLUSTUR', event: 'BUILD', reaches: 'FILE_CREATED', label: 'Dosya Oluştur' },
  { step: 'DOSYA_IMZALA', event: 'SIGN', reaches: 'FILE_SIGNED', label: 'Dosya İmzala' },
  { step: 'BERAT_OLUSTUR', event: 'BUILD_BERAT', reaches: 'BERAT_CREATED', label: 'Berat Oluştur' },
  { step: 'BERAT_IMZALA', event: 'SIGN_BERAT', reaches: 'BERAT_SIGNED', label: 'Berat İmzala' },
  { step: 'GIBE_GONDER', event: 'SEND', reaches: 'SENT', label: "GİB'e Gönder" },
  { step: 'ONAYLI_BERATI_INDIR', event: 'DOWNLOAD', reaches: 'DOWNLOADED', label: 'Onaylı Beratı İndir' },
] as const;

export type LedgerStep = (typeof LEDGER_STEPS)[number]['step'];
