import { turkishDay, turkishDayStart } from '../turkish-time';
import type { Guard } from './machine';


/**
 * End of the application-response window: 23:59:59 (Istanbul) of the 8th day after the invoice reached the
 * receiver (DOMAIN.md, TICARIFATURA).
 */
export function responseDeadline(deliveredAt: Date): Date {
  // Day boundaries of GİB's windows are Turkish days: the last millisecond before day 9 begins.
  return turkishDayStart(turkishDay(deliveredAt), 9, -1);
}

export const invoiceGuards: Record<string, Guard> = {
  isCommercial: ({ context }) => context.profileId === 'TICARIFATURA',
  withinResponseWindow: ({ context, now }) =>
    typeof context.deliveredAt === 'string' && now.getTime() <= responseDeadline(new Date(context.deliveredAt)).getTime(),
};
