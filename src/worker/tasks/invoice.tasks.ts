/**
 * The invoice pipeline's jobs (the machines' effects): each runs one step of src/services/invoice-pipeline.service.ts
 * and completes its job in the step's own transaction. A step that fails for good moves the invoice to its error
 * state; sending waits for GİB as long as it takes.
 */
import type { InvoicePipeline } from '../../services/invoice-pipeline.service';
import { RETRY_LATER_MS, type Task } from '../worker';

const idOf = (job: { payload: Record<string, unknown> }) => Number(job.payload.id);

export function invoiceTasks(pipeline: InvoicePipeline, opts: { gib: boolean }): Record<string, Task> {
  const step = (name: 'process' | 'sign' | 'envelope', task: string, fromState: string): Task => ({
    run: (job, ctx) => pipeline[name](idOf(job), ctx?.complete),
    onExhausted: (job, err) => pipeline.fail(idOf(job), fromState, task, err),
  });
  const tasks: Record<string, Task> = {
    'invoice.process': step('process', 'invoice.process', 'RECEIVED'),
    'invoice.sign': step('sign', 'invoice.sign', 'PROCESSED'),
  };
  if (!opts.gib) return tasks;
  return {
    ...tasks,
    'invoice.envelope': step('envelope', 'invoice.envelope', 'SIGNED'),
    // GİB or the network down through every attempt: tried again an hour later (the invoice waits in 40); GİB
    // refusing the envelope ends the invoice in ERROR inside the outbox.
    'invoice.send': {
      run: (job, ctx) => pipeline.send(idOf(job), ctx?.complete),
      retryLater: { afterMs: RETRY_LATER_MS, key: (job, n) => `invoice.send:${idOf(job)}:later:${n}`, message: 'GİB unreachable: sending again later' },
      onExhausted: async (job, err) => pipeline.cannotSend(idOf(job), err),
    },
  };
}
