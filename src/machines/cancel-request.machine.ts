import { defineMachine } from './machine';

/**
 * An e-Fatura cancellation request the tenant made at GİB's cancellation portal (seed 004; İptal/İtiraz Bildirim
 * Kılavuzu §4): it waits as "Onay Bekliyor" until the receiver approves it ("Fatura İptal Edildi"; the invoice then
 * goes to 1235) or rejects it; the sender may delete it while it waits. Created only once GİB has taken it.
 */
export const cancelRequestMachine = defineMachine({
  id: 'efatura-cancel-request',
  initial: 'WAITING',
  initialEffects: [],
  events: ['APPROVE', 'REJECT', 'DELETE'],
  states: {
    WAITING: {
      status: 1,
      code: 1,
      description: 'Onay Bekliyor',
      on: { APPROVE: { target: 'APPROVED' }, REJECT: { target: 'REJECTED' }, DELETE: { target: 'DELETED' } },
    },
    APPROVED: { status: 2, code: 1235, description: 'Fatura İptal Edildi', final: true },
    REJECTED: { status: -1, code: 3, description: 'Talep Reddedildi', final: true },
    DELETED: { status: -1, code: 4, description: 'Silindi', final: true },
  },
  guards: {},
});
