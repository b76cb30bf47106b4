/**
 * The daily e-Arşiv report's jobs (src/services/earsiv-report.service.ts): building (periodic), sending and
 * checking GİB's verdict (the report machine's effects). GİB away through every attempt: the same step an hour later.
 */
import type { EarsivReportService } from '../../services/earsiv-report.service';
import { RETRY_LATER_MS, type Task } from '../worker';

export const EARSIV_REPORT_BUILD_TASK = 'earsiv.report';

const idOf = (job: { payload: Record<string, unknown> }) => Number(job.payload.id);

function retryLater(task: string): NonNullable<Task['retryLater']> {
  return { afterMs: RETRY_LATER_MS, key: (job, n) => `${task}:earsiv-report:${idOf(job)}:later:${n}`, message: 'GİB unreachable: trying the e-Arşiv report again later' };
}

export function earsivTasks(reports: EarsivReportService, clock: () => Date): Record<string, Task> {
  return {
    [EARSIV_REPORT_BUILD_TASK]: {
      async run() {
        const now = clock();
        return { runAgainAt: reports.nextBuildAt(now, await reports.build(now)) };
      },
    },
    'earsiv-report.send': {
      run: (job) => reports.send(idOf(job)),
      onExhausted: (job, err) => reports.cannotBeSent(idOf(job), err),
      retryLater: retryLater('earsiv-report.send'),
    },
    'earsiv-report.check': {
      async run(job) {
        const pending = await reports.check(idOf(job));
        return pending ? { runAgainAt: pending.askAgainAt } : undefined;
      },
      onExhausted: async (job, err) => reports.cannotBeChecked(idOf(job), err),
      retryLater: retryLater('earsiv-report.check'),
    },
  };
}
