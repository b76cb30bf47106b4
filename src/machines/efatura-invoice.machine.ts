import { defineMachine, type StateSpec, type TransitionSpec } from './machine';
import { invoiceGuards } from './invoice.guards';

/**
 * e-Fatura invoice, as the sender's integrator sees it. Integrator stages 10–50 (e-Logo), then GİB's Ek-2 codes
 * (`../shared/gib/docs/efatura-Ek-2…` §4): 1000 → 1100 → 11xx error or 1200 → 1220 → 1300 / 1230, with 1210 retries
 * ending in 1215. GİB's answers can arrive late or skip stages (a poll may return 1300 directly), so every GİB event
 * may move forward from any earlier GİB stage. Cancellation by agreement (seed 004) lands in 1235.
 */

const EVENTS = [
  'PROCESS', 'SIGN', 'ENVELOPE', 'SEND', 'FAIL',
  'GIB_QUEUED', 'GIB_PROCESSING', 'GIB_ACCEPTED', 'DELIVERY_RETRY', 'AWAITING_RECEIVER',
  'GIB_REJECTED', 'DELIVERY_FAILED', 'RECEIVER_FAILED', 'DELIVERED',
  'APPLICATION_ACCEPTED', 'APPLICATION_REJECTED', 'CANCEL_APPROVED',
] as const;
type Event = (typeof EVENTS)[number];

const GIB_STAGES = [
  ['SENT', null],
  ['GIB_QUEUED', 'GIB_QUEUED'],
  ['GIB_PROCESSING', 'GIB_PROCESSING'],
  ['GIB_ACCEPTED', 'GIB_ACCEPTED'],
  ['DELIVERY_RETRY', 'DELIVERY_RETRY'],
  ['AWAITING_RECEIVER', 'AWAITING_RECEIVER'],
] as const;

type State =
  | 'RECEIVED' | 'PROCESSED' | 'SIGNED' | 'ENVELOPED'
  | (typeof GIB_STAGES)[number][0]
  | 'DELIVERED' | 'ACCEPTED' | 'REJECTED' | 'CANCELLED' | 'GIB_REJECTED' | 'DELIVERY_FAILED' | 'RECEIVER_FAILED' | 'ERROR';
type On = StateSpec<State, Event>['on'];

/**
 * A refused invoice gives its kontör back (src/activation/credits.ts): GİB refused the envelope (GIB_REJECTED), or
 * the gateway could not process it (ERROR). A document GİB took and could not deliver, or the receiver answered RED,
 * was processed: its charge stays.
 */
const refund = ['credits.refund'] as const;

/** Final outcomes reachable from any GİB stage. */
const GIB_OUTCOMES = {
  GIB_REJECTED: { target: 'GIB_REJECTED', effects: refund },
  DELIVERY_FAILED: { target: 'DELIVERY_FAILED' },
  RECEIVER_FAILED: { target: 'RECEIVER_FAILED' },
  DELIVERED: { target: 'DELIVERED' },
} as const satisfies On;

function gibStage(index: number): On {
  const on: { [K in Event]?: TransitionSpec<State> } = { ...GIB_OUTCOMES };
  for (const [state, event] of GIB_STAGES.slice(index + 1)) if (event) on[event] = { target: state };
  // 1210 may repeat (GİB retries delivery four times) and 1220 may be reported again by a poll.
  if (GIB_STAGES[index]![0] === 'DELIVERY_RETRY') on.DELIVERY_RETRY = { target: 'DELIVERY_RETRY' };
  return on;
}

const fail = { FAIL: { target: 'ERROR', effects: refund } } as const;

export const efaturaInvoiceMachine = defineMachine<State, Event>({
  id: 'efatura-invoice',
  initial: 'RECEIVED',
  initialEffects: ['invoice.process'],
  events: EVENTS,
  states: {
    RECEIVED: { status: 1, code: 10, description: 'KUYRUGA ALINDI', on: { PROCESS: { target: 'PROCESSED', effects: ['invoice.sign'] }, ...fail } },
    PROCESSED: { status: 1, code: 20, description: 'ISLENDI', on: { SIGN: { target: 'SIGNED', effects: ['invoice.envelope'] }, ...fail } },
    SIGNED: { status: 1, code: 30, description: 'IMZALANDI', on: { ENVELOPE: { target: 'ENVELOPED', effects: ['invoice.send'] }, ...fail } },
    ENVELOPED: { status: 1, code: 40, description: 'ZARFLANDI', on: { SEND: { target: 'SENT' }, ...fail } },
    SENT: { status: 1, code: 50, description: "GIB'E GONDERILDI", on: gibStage(0) },
    GIB_QUEUED: { status: 1, code: 1000, description: 'ZARF KUYRUGA EKLENDI', on: gibStage(1) },
    GIB_PROCESSING: { status: 1, code: 1100, description: 'ZARF ISLENIYOR', on: gibStage(2) },
    GIB_ACCEPTED: { status: 1, code: 1200, description: 'ZARF BASARIYLA ISLENDI', on: gibStage(3) },
    DELIVERY_RETRY: { status: 1, code: 1210, description: 'DOKUMAN BULUNAN ADRESE GONDERILEMEDI', on: gibStage(4) },
    AWAITING_RECEIVER: { status: 1, code: 1220, description: 'HEDEFTEN SISTEM YANITI GELMEDI', on: gibStage(5) },
    DELIVERED: {
      status: 2,
      code: 1300,
      description: 'BASARIYLA TAMAMLANDI',
      on: {
        APPLICATION_ACCEPTED: { target: 'ACCEPTED', guards: ['isCommercial', 'withinResponseWindow'] },
        APPLICATION_REJECTED: { target: 'REJECTED', guards: ['isCommercial', 'withinResponseWindow'] },
        CANCEL_APPROVED: { target: 'CANCELLED' },
      },
    },
    ACCEPTED: { status: 2, code: 1300, description: 'BASARIYLA TAMAMLANDI, ALICI KABUL ETTI', on: { CANCEL_APPROVED: { target: 'CANCELLED' } } },
    REJECTED: { status: -1, code: 1300, description: 'ALICI FATURAYI REDDETTI (RED)', final: true },
    CANCELLED: { status: 2, code: 1235, description: "FATURA IPTAL'E KONU EDILDI", final: true },
    GIB_REJECTED: { status: -1, code: null, description: 'GIB ZARFI REDDETTI', final: true },
    DELIVERY_FAILED: { status: -1, code: 1215, description: 'DOKUMAN GONDERIMI BASARISIZ. TEKRAR GONDERME SONLANDI', final: true },
    RECEIVER_FAILED: { status: -1, code: 1230, description: 'HEDEFTEN SISTEM YANITI BASARISIZ GELDI', final: true },
    ERROR: { status: -1, code: null, description: 'ENTEGRATOR ISLEM HATASI', final: true },
  },
  guards: invoiceGuards,
});
