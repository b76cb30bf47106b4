/**
 * e-Defter's job (src/services/ledger-steps.ts): ledger.advance does the next step of a month towards the goal the
 * user asked for; each step's transition starts it again. A wrong PIN or an unreachable card fails the job: the
 * books stay where they were and keep why (STEP_FAIL), and the step can be asked for again. ledger.backup stores a
 * month whose approved berats are in, when the tenant's backup is automatic (./ledger-archive.service.ts).
 */
import type { LedgerArchiveService } from '../../services/ledger-archive.service';
import type { LedgerSteps } from '../../services/ledger-steps';
import type { Task } from '../worker';

export function ledgerTasks(steps: LedgerSteps, archive: LedgerArchiveService): Record<string, Task> {
  return {
    // Onaylı Berat İndirildi: with automatic backup (issue 13) the month goes to the archive once both books are in.
    'ledger.backup': {
      run: (job) => archive.afterDownload(Number(job.payload.id)),
      onExhausted: (job, err) => archive.backupFailed(Number(job.payload.id), err),
    },
    'ledger.advance': {
      run: (job) => steps.advance(Number(job.payload.id)),
      onExhausted: (job, err) => steps.failed(Number(job.payload.id), err),
    },
  };
}
