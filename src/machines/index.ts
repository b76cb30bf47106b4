import { earsivInvoiceMachine } from './earsiv-invoice.machine';
import { efaturaInvoiceMachine } from './efatura-invoice.machine';
import { cancelRequestMachine } from './cancel-request.machine';
import { earsivReportMachine } from './earsiv-report.machine';
import { incomingInvoiceMachine } from './incoming-invoice.machine';
import { ledgerBookMachine } from './ledger-book.machine';
import { ledgerBackupMachine } from './ledger-backup.machine';
import { activationMachine } from './activation.machine';
import type { AnyMachine, EventOf } from './machine';

export * from './machine';
export { earsivInvoiceMachine, efaturaInvoiceMachine, incomingInvoiceMachine, cancelRequestMachine, earsivReportMachine, ledgerBookMachine, ledgerBackupMachine, activationMachine };
export { LEDGER_STEPS, type LedgerStep } from './ledger-book.machine';

/** Events of the machines that drive the `invoices` table (an e-Fatura's or an e-Arşiv invoice's). */
export type InvoiceEvent = EventOf<typeof efaturaInvoiceMachine> | EventOf<typeof earsivInvoiceMachine>;

export const machines: Record<string, AnyMachine> = {
  [efaturaInvoiceMachine.id]: efaturaInvoiceMachine,
  [earsivInvoiceMachine.id]: earsivInvoiceMachine,
  [incomingInvoiceMachine.id]: incomingInvoiceMachine,
  [cancelRequestMachine.id]: cancelRequestMachine,
  [earsivReportMachine.id]: earsivReportMachine,
  [ledgerBookMachine.id]: ledgerBookMachine,
  [ledgerBackupMachine.id]: ledgerBackupMachine,
  [activationMachine.id]: activationMachine,
};

export function machineById(id: string): AnyMachine {
  const machine = machines[id];
  if (!machine) throw new Error(`unknown machine ${id}`);
  return machine;
}
