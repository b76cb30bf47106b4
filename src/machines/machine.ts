import { GatewayError } from '../faults';

/**
 * One mechanism for every state machine: a machine is plain data (states, events, guards by name, and per state the
 * e-Logo status/code/Turkish description the ERP sees). `transition()` is pure: it returns the next state and the
 * effects to run as data, and runs nothing. An event a state does not declare is a typed fault, never ignored.
 */

/** e-Logo's status towards the ERP: 1 in progress, 2 completed (final), -1 failed (final), 0 unknown. */
export type ElogoStatus = 1 | 2 | -1 | 0;

export interface TransitionSpec {
  target: string;
  /** Names of guards in the machine's `guards`; all must pass. */
  guards?: readonly string[];
  /** Job names to enqueue, in the same transaction as the state change. */
  effects?: readonly string[];
}

export interface StateSpec {
  status: ElogoStatus;
  /** e-Logo / GİB code; null = the code carried by the event that entered the state (e.g. GİB's 11xx error). */
  code: number | null;
  description: string;
  final?: boolean;
  on?: Readonly<Record<string, TransitionSpec>>;
}

export interface GuardInput {
  context: Readonly<Record<string, unknown>>;
  now: Date;
}

export type Guard = (input: GuardInput) => boolean;

export interface MachineSpec {
  id: string;
  initial: string;
  /** Jobs enqueued when an instance is created in the initial state. */
  initialEffects: readonly string[];
  events: readonly string[];
  states: Readonly<Record<string, StateSpec>>;
  guards: Readonly<Record<string, Guard>>;
}

export interface TransitionResult {
  from: string;
  to: string;
  event: string;
  effects: readonly string[];
}

export function transition(machine: MachineSpec, state: string, event: string, input: GuardInput): TransitionResult {
  const spec = machine.states[state];
  const step = spec?.on?.[event];
  if (!spec || !step) throw new GatewayError('ILLEGAL_TRANSITION', { state, event });
  for (const name of step.guards ?? []) {
    const guard = machine.guards[name];
    if (!guard) throw new Error(`machine ${machine.id}: unknown guard ${name}`);
    if (!guard(input)) throw new GatewayError('ILLEGAL_TRANSITION', { state, event: `${event} (${name})` });
  }
  return { from: state, to: step.target, event, effects: step.effects ?? [] };
}

/** Checks a machine's table once at load time: every target, event and guard it names exists. */
export function defineMachine<M extends MachineSpec>(machine: M): M {
  if (!machine.states[machine.initial]) throw new Error(`machine ${machine.id}: unknown initial state`);
  for (const [name, state] of Object.entries(machine.states)) {
    if (state.final && state.on && Object.keys(state.on).length > 0) {
      throw new Error(`machine ${machine.id}: final state ${name} has transitions`);
    }
    for (const [event, step] of Object.entries(state.on ?? {})) {
      if (!machine.events.includes(event)) throw new Error(`machine ${machine.id}: ${name} uses undeclared event ${event}`);
      if (!machine.states[step.target]) throw new Error(`machine ${machine.id}: ${name}.${event} → unknown ${step.target}`);
      for (const guard of step.guards ?? []) {
        if (!machine.guards[guard]) throw new Error(`machine ${machine.id}: unknown guard ${guard}`);
      }
    }
  }
  return machine;
}

export type PortalTab = 'Henüz Sonuçlanmamış' | 'Başarılı' | 'Hatalı';

/** The e-Arşiv portal tab a status belongs to (seed 000). */
export function portalTab(status: ElogoStatus): PortalTab {
  if (status === 2) return 'Başarılı';
  if (status === -1) return 'Hatalı';
  return 'Henüz Sonuçlanmamış';
}

/** What the ERP sees for an instance: the state's status/code/description, the code taken from context if dynamic. */
export function describeState(
  machine: MachineSpec,
  state: string,
  context: Readonly<Record<string, unknown>>,
): { status: ElogoStatus; code: number; description: string } {
  const spec = machine.states[state];
  if (!spec) return { status: 0, code: 0, description: 'BILINMEYEN DURUM' };
  const code = spec.code ?? (typeof context.code === 'number' ? context.code : 0);
  const description =
    spec.code === null && typeof context.codeDescription === 'string' ? context.codeDescription : spec.description;
  return { status: spec.status, code, description };
}
