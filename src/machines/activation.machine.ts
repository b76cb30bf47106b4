import { defineMachine } from './machine';

/**
 * One service of a tenant (e-Fatura, e-Arşiv, …) from its order to GİB and back (issue 14; seed 003 "Hizmetlerim"),
 * with e-Logo's state codes and Turkish names as the code and description:
 *
 *    0 Onay Bekliyor ──PAY──▶ 1 Aktivasyon Bekliyor ──START──▶ 3 Müşteri İmzası Bekliyor ──SIGN──▶ 4 GİB'e Gönderimi
 *    Bekliyor (until its date) ──SEND──▶ 5 GİB'den Onay Bekliyor ──GIB_OK (1300)──▶ 2 Aktif, or ──GIB_ERROR──▶ -1 Hatalı
 *
 * A service with no GİB account opens without GİB: with no contract either (e-Ticaret, SMS, Mailing) straight from
 * 1 (OPEN), with a contract when its date comes (4 → 2, OPEN). GİB refusing the USERENVELOPE itself (not its
 * content) is -4 Hizmet Açılışı Başarısız. Closing: 2 ──CLOSE──▶ 6 İptal İşlemi GİB'e Gönderim Bekliyor ──SEND──▶ -2
 * İptal Bekliyor ──GIB_OK──▶ -3 İptal, or -5 Hizmet Kapanışı Başarısız (the account is still open at GİB; closing
 * may be asked again). A failed opening can be started again; a closed service can be ordered again. Every outcome
 * the customer must hear about (Aktif, Hatalı, closed, failed) mails the tenant (activation.notify).
 */
const notify = ['activation.notify'] as const;

export const activationMachine = defineMachine({
  id: 'activation',
  initial: 'ORDERED',
  initialEffects: [],
  events: ['PAY', 'START', 'WITHDRAW', 'CHANGE_DATE', 'SIGN', 'OPEN', 'SEND', 'SEND_REFUSED', 'GIB_OK', 'GIB_ERROR', 'CLOSE', 'RESTART', 'ORDER'],
  states: {
    ORDERED: { status: 1, code: 0, description: 'Onay Bekliyor', on: { PAY: { target: 'AWAITING_ACTIVATION' } } },
    AWAITING_ACTIVATION: {
      status: 1, code: 1, description: 'Aktivasyon Bekliyor',
      on: {
        START: { target: 'AWAITING_SIGNATURE', guards: ['needsContract'] },
        OPEN: { target: 'ACTIVE', guards: ['noContract'], effects: notify },
      },
    },
    AWAITING_SIGNATURE: {
      status: 1, code: 3, description: 'Müşteri İmzası Bekliyor',
      on: { CHANGE_DATE: { target: 'AWAITING_SIGNATURE' }, WITHDRAW: { target: 'AWAITING_ACTIVATION' }, SIGN: { target: 'AWAITING_SEND' } },
    },
    AWAITING_SEND: {
      status: 1, code: 4, description: "GİB'e Gönderimi Bekliyor",
      on: {
        CHANGE_DATE: { target: 'AWAITING_SEND' },
        SEND: { target: 'AWAITING_GIB', guards: ['hasGibAccount'] },
        OPEN: { target: 'ACTIVE', guards: ['noGibAccount'], effects: notify },
        SEND_REFUSED: { target: 'OPEN_FAILED', effects: notify },
      },
    },
    AWAITING_GIB: {
      status: 1, code: 5, description: "GİB'den Onay Bekliyor",
      on: { GIB_OK: { target: 'ACTIVE', effects: notify }, GIB_ERROR: { target: 'ERROR', effects: notify } },
    },
    ACTIVE: { status: 2, code: 2, description: 'Aktif', on: { CLOSE: { target: 'CLOSE_AWAITING_SEND' } } },
    ERROR: { status: -1, code: -1, description: 'Hatalı', on: { RESTART: { target: 'AWAITING_ACTIVATION' } } },
    CLOSE_AWAITING_SEND: {
      status: 1, code: 6, description: "İptal İşlemi GİB'e Gönderim Bekliyor",
      on: {
        SEND: { target: 'CLOSE_AWAITING_GIB', guards: ['hasGibAccount'] },
        OPEN: { target: 'CLOSED', guards: ['noGibAccount'], effects: notify },
        SEND_REFUSED: { target: 'CLOSE_FAILED', effects: notify },
      },
    },
    CLOSE_AWAITING_GIB: {
      status: 1, code: -2, description: 'İptal Bekliyor',
      on: { GIB_OK: { target: 'CLOSED', effects: notify }, GIB_ERROR: { target: 'CLOSE_FAILED', effects: notify } },
    },
    CLOSED: { status: 2, code: -3, description: 'İptal', on: { ORDER: { target: 'ORDERED' } } },
    OPEN_FAILED: { status: -1, code: -4, description: 'Hizmet Açılışı Başarısız', on: { RESTART: { target: 'AWAITING_ACTIVATION' } } },
    CLOSE_FAILED: { status: -1, code: -5, description: 'Hizmet Kapanışı Başarısız', on: { CLOSE: { target: 'CLOSE_AWAITING_SEND' } } },
  },
  guards: {
    // The service's kind is written into its context when the row is made (src/activation/catalogue.ts).
    needsContract: ({ context }) => context.contract === true,
    noContract: ({ context }) => context.contract !== true,
    hasGibAccount: ({ context }) => typeof context.gibService === 'string',
    noGibAccount: ({ context }) => typeof context.gibService !== 'string',
  },
});
