import { earsivInvoiceMachine } from './earsiv-invoice.machine';
import { efaturaInvoiceMachine } from './efatura-invoice.machine';
import { cancelRequestMachine } from './cancel-request.machine';
import { earsivReportMachine } from './earsiv-report.machine';
import { incomingInvoiceMachine } from './incoming-invoice.machine';
import type { MachineSpec } from './machine';

export * from './machine';
export { earsivInvoiceMachine, efaturaInvoiceMachine, incomingInvoiceMachine, cancelRequestMachine, earsivReportMachine };

export const machines: Record<string, MachineSpec> = {
  [efaturaInvoiceMachine.id]: efaturaInvoiceMachine,
  [earsivInvoiceMachine.id]: earsivInvoiceMachine,
  [incomingInvoiceMachine.id]: incomingInvoiceMachine,
  [cancelRequestMachine.id]: cancelRequestMachine,
  [earsivReportMachine.id]: earsivReportMachine,
};

export function machineById(id: string): MachineSpec {
  const machine = machines[id];
  if (!machine) throw new Error(`unknown machine ${id}`);
  return machine;
}
