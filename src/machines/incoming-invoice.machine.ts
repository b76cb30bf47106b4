import { defineMachine } from './machine';
import { invoiceGuards } from './invoice.guards';

/**
 * An invoice another company sent to a tenant (the receiver's inbox, Ek-2 §4.2). It is in the inbox once the
 * envelope has been processed; a TICARIFATURA is answered once, KABUL or RED, within the 8-day window (guards from
 * the sender's machine: the same rule on both sides). The answer travels as a signed ApplicationResponse in a
 * POSTBOXENVELOPE (effect application-response.send). An agreed cancellation (seed 004) ends it in 1235.
 */
export const incomingInvoiceMachine = defineMachine({
  id: 'incoming-invoice',
  initial: 'INBOX',
  initialEffects: [],
  events: ['ACCEPT', 'REJECT', 'CANCEL_APPROVED'],
  states: {
    INBOX: {
      status: 2,
      code: 1300,
      description: 'GELEN FATURA',
      on: {
        ACCEPT: { target: 'ACCEPTED', guards: ['isCommercial', 'withinResponseWindow'], effects: ['application-response.send'] },
        REJECT: { target: 'REJECTED', guards: ['isCommercial', 'withinResponseWindow'], effects: ['application-response.send'] },
        CANCEL_APPROVED: { target: 'CANCELLED' },
      },
    },
    ACCEPTED: { status: 2, code: 1300, description: 'KABUL EDILDI', on: { CANCEL_APPROVED: { target: 'CANCELLED' } } },
    REJECTED: { status: 2, code: 1300, description: 'RED EDILDI', final: true },
    CANCELLED: { status: 2, code: 1235, description: "FATURA IPTAL'E KONU EDILDI", final: true },
  },
  guards: invoiceGuards,
});
