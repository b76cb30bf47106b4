import { earsivInvoiceMachine } from './earsiv-invoice.machine';
import { efaturaInvoiceMachine } from './efatura-invoice.machine';
import type { MachineSpec } from './machine';

export * from './machine';
export { earsivInvoiceMachine, efaturaInvoiceMachine };

export const machines: Record<string, MachineSpec> = {
  [efaturaInvoiceMachine.id]: efaturaInvoiceMachine,
  [earsivInvoiceMachine.id]: earsivInvoiceMachine,
};

export function machineById(id: string): MachineSpec {
  const machine = machines[id];
  if (!machine) throw new Error(`unknown machine ${id}`);
  return machine;
}
