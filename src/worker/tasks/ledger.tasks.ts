/**
 * e-Defter's job (src/services/ledger-steps.ts): ledger.advance does the next step of a month towards the goal the
 * user asked for; each step's transition starts it again. A wrong PIN or an unreachable card fails the job: the
 * books stay where they were and keep why (STEP_FAIL), and the step can be asked for again.
 */
import type { LedgerSteps } from '../../services/ledger-steps';
import type { Task } from '../worker';

export function ledgerTasks(steps: LedgerSteps): Record<string, Task> {
  return {
    'ledger.advance': {
      run: (job) => steps.advance(Number(job.payload.id)),
      onExhausted: (job, err) => steps.failed(Number(job.payload.id), err),
    },
  };
}
