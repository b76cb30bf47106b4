/**
 * The invoice pipeline's jobs (the machines' effects, src/services/invoice-pipeline.service.ts), each completed in the
 * step's own transaction. invoice.process takes the invoice as far as it goes (processed, signed and, for an
 * e-Fatura, enveloped, in one run); invoice.sign and invoice.envelope do the same from where a job left over from an
 * earlier run finds it. A step that fails for good moves the invoice to its error state; sending waits for GİB as
 * long as it takes.
 */
import type { InvoicePipeline } from '../../services/invoice-pipeline.service';
import { RETRY_LATER_MS, type Task } from '../worker';

const idOf = (job: { payload: Record<string, unknown> }) => Number(job.payload.id);

export function invoiceTasks(pipeline: InvoicePipeline, opts: { gib: boolean }): Record<string, Task> {
  const advance = (task: string): Task => ({
    run: (job, ctx) => pipeline.advance(idOf(job), ctx?.complete),
    onExhausted: (job, err) => pipeline.fail(idOf(job), task, err),
  });
  const tasks: Record<string, Task> = { 'invoice.process': advance('invoice.process'), 'invoice.sign': advance('invoice.sign') };
  if (!opts.gib) return tasks;
  return {
    ...tasks,
    'invoice.envelope': advance('invoice.envelope'),
    // GİB or the network down through every attempt: tried again an hour later (the invoice waits in 40); GİB
    // refusing the envelope ends the invoice in ERROR inside the outbox.
    'invoice.send': {
      run: (job, ctx) => pipeline.send(idOf(job), ctx?.complete),
      retryLater: { afterMs: RETRY_LATER_MS, key: (job, n) => `invoice.send:${idOf(job)}:later:${n}`, message: 'GİB unreachable: sending again later' },
      onExhausted: async (job, err) => pipeline.cannotSend(idOf(job), err),
    },
  };
}
