import { defineMachine } from './machine';

/**
 * One daily e-Arşiv report (eArsivRaporu) of a tenant: built and signed with its invoices and cancellations →
 * sent to GİB's e-Arşiv service (effect earsiv-report.send) → GİB's verdict from getBatchStatus
 * (earsiv-report.check, repeated until GİB answers). The invoices follow the report's fate.
 */
export const earsivReportMachine = defineMachine({
  id: 'earsiv-report',
  initial: 'CREATED',
  initialEffects: ['earsiv-report.send'],
  events: ['SEND', 'ACCEPT', 'REJECT', 'FAIL'],
  states: {
    CREATED: { status: 1, code: 10, description: 'RAPOR OLUSTURULDU', on: { SEND: { target: 'SENT', effects: ['earsiv-report.check'] }, FAIL: { target: 'ERROR' } } },
    SENT: { status: 1, code: 70, description: "RAPOR GIB'E GONDERILDI", on: { ACCEPT: { target: 'ACCEPTED' }, REJECT: { target: 'REJECTED' } } },
    ACCEPTED: { status: 2, code: 1300, description: 'RAPOR BASARILI', final: true },
    REJECTED: { status: -1, code: null, description: 'RAPOR HATALI', final: true },
    ERROR: { status: -1, code: null, description: 'RAPOR GONDERILEMEDI', final: true },
  },
  guards: {},
});
