import { defineMachine } from './machine';
import { invoiceGuards } from './invoice.guards';

/** Hatalı gives the invoice's kontör back (src/activation/credits.ts). */
const refund = ['credits.refund'] as const;
/** eArsivMailing (src/services/earsiv-mail.service.ts): Başarılı mails the buyer the invoice, a cancellation a notice. */
const mailInvoice = ['earsiv.mail.invoice'] as const;
const mailCancellation = ['earsiv.mail.cancellation'] as const;

/**
 * e-Arşiv invoice (seed 000, DOMAIN.md): queued → processed → signed → in the daily eArsivRaporu → reported →
 * Başarılı when GİB accepts the report, Hatalı with GİB's reason when not. Only a successful invoice can be
 * cancelled; the cancellation goes into the report of its cancellation date.
 */
export const earsivInvoiceMachine = defineMachine({
  id: 'earsiv-invoice',
  initial: 'RECEIVED',
  initialEffects: ['invoice.process'],
  events: ['PROCESS', 'SIGN', 'FAIL', 'ADD_TO_REPORT', 'REPORT_SENT', 'REPORT_ACCEPTED', 'REPORT_REJECTED', 'CANCEL', 'CANCEL_REPORTED'],
  states: {
    RECEIVED: { status: 1, code: 10, description: 'KUYRUGA ALINDI', on: { PROCESS: { target: 'PROCESSED', effects: ['invoice.sign'] }, FAIL: { target: 'ERROR', effects: refund } } },
    PROCESSED: { status: 1, code: 20, description: 'ISLENDI', on: { SIGN: { target: 'SIGNED' }, FAIL: { target: 'ERROR', effects: refund } } },
    SIGNED: { status: 1, code: 30, description: 'IMZALANDI', on: { ADD_TO_REPORT: { target: 'IN_REPORT' }, FAIL: { target: 'ERROR', effects: refund } } },
    IN_REPORT: { status: 1, code: 60, description: 'E-ARSIV RAPORUNA EKLENDI', on: { REPORT_SENT: { target: 'REPORTED' }, REPORT_REJECTED: { target: 'ERROR', effects: refund } } },
    REPORTED: { status: 1, code: 70, description: "E-ARSIV RAPORU GIB'E GONDERILDI", on: { REPORT_ACCEPTED: { target: 'SUCCESS', effects: mailInvoice }, REPORT_REJECTED: { target: 'ERROR', effects: refund } } },
    SUCCESS: { status: 2, code: 1300, description: 'BASARILI', on: { CANCEL: { target: 'CANCELLED', effects: mailCancellation } } },
    CANCELLED: { status: 2, code: 1235, description: 'IPTAL EDILDI, RAPORLANACAK', on: { CANCEL_REPORTED: { target: 'CANCEL_REPORTED' } } },
    CANCEL_REPORTED: { status: 2, code: 1235, description: 'IPTAL EDILDI VE RAPORLANDI', final: true },
    ERROR: { status: -1, code: null, description: 'HATALI', final: true },
  },
  guards: invoiceGuards,
});
