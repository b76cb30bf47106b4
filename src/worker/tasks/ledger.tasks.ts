/**
 * e-Defter's job (src/services/ledger-steps.ts): ledger.advance does the next step of a month towards the goal the
 * user asked for; each step's transition starts it again. A wrong PIN or an unreachable card fails the job and
 * leaves the books where they were (the step can be asked for again).
 */
import type { LedgerSteps } from '../../services/ledger-steps';
import type { Task } from '../worker';

export function ledgerTasks(steps: LedgerSteps): Record<string, Task> {
  return {
    'ledger.advance': { run: (job) => steps.advance(Number(job.payload.id)) },
  };
}
