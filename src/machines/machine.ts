import { GatewayError } from '../faults';

/**
 * One mechanism for every state machine: a machine is plain data (states, events, guards by name, and per state the
 * e-Logo status/code/Turkish description the ERP sees). `transition()` is pure: it returns the next state and the
 * effects to run as data, and runs nothing. An event a state does not declare is a typed fault, never ignored.
 */

/** e-Logo's status towards the ERP: 1 in progress, 2 completed (final), -1 failed (final), 0 unknown. */
export type ElogoStatus = 1 | 2 | -1 | 0;

export interface TransitionSpec<S extends string = string> {
  target: S;
  /** Names of guards in the machine's `guards`; all must pass. */
  guards?: readonly string[];
  /** Job names to enqueue, in the same transaction as the state change. */
  effects?: readonly string[];
}

export interface StateSpec<S extends string = string, E extends string = string> {
  status: ElogoStatus;
  /** e-Logo / GİB code; null = the code carried by the event that entered the state (e.g. GİB's 11xx error). */
  code: number | null;
  description: string;
  final?: boolean;
  on?: { readonly [K in E]?: TransitionSpec<S> };
}

export interface GuardInput {
  context: Readonly<Record<string, unknown>>;
  now: Date;
}

export type Guard = (input: GuardInput) => boolean;

/**
 * A machine's table. `S` and `E` are its states and events as literal types, so that a transition to an undeclared
 * state, a state reacting to an undeclared event, or code applying an event the machine does not know, does not
 * compile (test/machines/types.test.ts); the checks in defineMachine repeat this at load time for any table built
 * without the types.
 */
export interface Machine<S extends string = string, E extends string = string> {
  id: string;
  initial: S;
  /** Jobs enqueued when an instance is created in the initial state. */
  initialEffects: readonly string[];
  events: readonly E[];
  states: { readonly [K in S]: StateSpec<S, E> };
  guards: Readonly<Record<string, Guard>>;
}

/** Any machine, whatever its states and events (what the engine and the store take). */
export type AnyMachine = Machine<any, any>;
export type StateOf<M> = M extends Machine<infer S, string> ? S : never;
export type EventOf<M> = M extends Machine<string, infer E> ? E : never;

export interface TransitionResult<S extends string = string, E extends string = string> {
  from: string;
  to: S;
  event: E;
  effects: readonly string[];
}

export function transition<S extends string, E extends string>(machine: Machine<S, E>, state: string, event: NoInfer<E>, input: GuardInput): TransitionResult<S, E> {
  const spec = (machine.states as Record<string, StateSpec<S, E> | undefined>)[state];
  const step = spec?.on?.[event];
  if (!spec || !step) throw new GatewayError('ILLEGAL_TRANSITION', { state, event });
  for (const name of step.guards ?? []) {
    const guard = machine.guards[name];
    if (!guard) throw new Error(`machine ${machine.id}: unknown guard ${name}`);
    if (!guard(input)) throw new GatewayError('ILLEGAL_TRANSITION', { state, event: `${event} (${name})` });
  }
  return { from: state, to: step.target, event, effects: step.effects ?? [] };
}

/**
 * Declares a machine: its states are the keys of `states`, its events the list `events` (written `as const`-free:
 * the literal types are inferred). Checks the table once at load time: every target, event and guard it names exists.
 */
export function defineMachine<const S extends string, const E extends string>(machine: {
  id: string;
  initial: NoInfer<S>;
  initialEffects: readonly string[];
  events: readonly E[];
  states: { readonly [K in S]: StateSpec<NoInfer<S>, NoInfer<E>> };
  guards: Readonly<Record<string, Guard>>;
}): Machine<S, E> {
  const states = machine.states as Record<string, StateSpec>;
  if (!states[machine.initial]) throw new Error(`machine ${machine.id}: unknown initial state`);
  for (const [name, state] of Object.entries(states)) {
    if (state.final && state.on && Object.keys(state.on).length > 0) {
      throw new Error(`machine ${machine.id}: final state ${name} has transitions`);
    }
    for (const [event, step] of Object.entries(state.on ?? {}) as [string, TransitionSpec][]) {
      if (!(machine.events as readonly string[]).includes(event)) throw new Error(`machine ${machine.id}: ${name} uses undeclared event ${event}`);
      if (!states[step.target]) throw new Error(`machine ${machine.id}: ${name}.${event} → unknown ${step.target}`);
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
  machine: AnyMachine,
  state: string,
  context: Readonly<Record<string, unknown>>,
): { status: ElogoStatus; code: number; description: string } {
  const spec = (machine.states as Record<string, StateSpec | undefined>)[state];
  if (!spec) return { status: 0, code: 0, description: 'BILINMEYEN DURUM' };
  const code = spec.code ?? (typeof context.code === 'number' ? context.code : 0);
  const description =
    spec.code === null && typeof context.codeDescription === 'string' ? context.codeDescription : spec.description;
  return { status: spec.status, code, description };
}
