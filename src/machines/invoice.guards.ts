import type { Guard } from './machine';

/** Türkiye has used UTC+3 all year since 2016; day boundaries for GİB's windows are Istanbul days. */
const ISTANBUL_OFFSET_MS = 3 * 60 * 60 * 1000;

/**
 * End of the application-response window: 23:59:59 (Istanbul) of the 8th day after the invoice reached the
 * receiver (DOMAIN.md, TICARIFATURA).
 */
export function responseDeadline(deliveredAt: Date): Date {
  const local = new Date(deliveredAt.getTime() + ISTANBUL_OFFSET_MS);
  const endOfDay8 = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 8, 23, 59, 59, 999);
  return new Date(endOfDay8 - ISTANBUL_OFFSET_MS);
}

export const invoiceGuards: Record<string, Guard> = {
  isCommercial: ({ context }) => context.profileId === 'TICARIFATURA',
  withinResponseWindow: ({ context, now }) =>
    typeof context.deliveredAt === 'string' && now.getTime() <= responseDeadline(new Date(context.deliveredAt)).getTime(),
};
