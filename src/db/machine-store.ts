import type { Knex } from 'knex';
import { GatewayError } from '../faults';
import {
  describeState,
  machineById,
  transition,
  type AnyMachine,
  type EventOf,
  type StateOf,
  type cancelRequestMachine,
  type earsivInvoiceMachine,
  type earsivReportMachine,
  type efaturaInvoiceMachine,
  type incomingInvoiceMachine,
  type ledgerBookMachine,
  type ledgerBackupMachine,
  type activationMachine,
} from '../machines';
import { parseJson, reading, type Queryable } from './connect';
import { execute, selectAll, selectFirst } from './sql';
import { enqueueJob } from './jobs';
import { createWriteBatcher, type WriteBatcher } from './write-batcher';

/**
 * The one persistence path for every machine. An entity row carries `machine`, `state`, `version` and `context`;
 * a change is `update … where version = ?` (optimistic locking), an append-only `state_history` row, and the
 * transition's effects enqueued as jobs — all in one transaction, so no state is ever left without its next step.
 */

/** A row of a machine-driven table; `M` (never set at run time) says which machine(s) may drive it. */
export interface EntityRef<M extends AnyMachine = AnyMachine> {
  table: string;
  id: number;
  readonly machine?: M;
}

/** Typed references to the rows of the machine-driven tables: apply() then takes only their machines' events. */
export const entities = {
  invoice: (id: number): EntityRef<typeof efaturaInvoiceMachine | typeof earsivInvoiceMachine> => ({ table: 'invoices', id }),
  incomingInvoice: (id: number): EntityRef<typeof incomingInvoiceMachine> => ({ table: 'incoming_invoices', id }),
  cancelRequest: (id: number): EntityRef<typeof cancelRequestMachine> => ({ table: 'cancel_requests', id }),
  earsivReport: (id: number): EntityRef<typeof earsivReportMachine> => ({ table: 'earsiv_reports', id }),
  ledgerBook: (id: number): EntityRef<typeof ledgerBookMachine> => ({ table: 'ledger_books', id }),
  ledgerBackup: (id: number): EntityRef<typeof ledgerBackupMachine> => ({ table: 'ledger_backups', id }),
  tenantService: (id: number): EntityRef<typeof activationMachine> => ({ table: 'tenant_services', id }),
};

export interface ApplyInput<E extends string = string> {
  event: E;
  actor: string;
  reason?: string | null;
  /** A code the event carries (GİB's 11xx, a fault code) — becomes the state's code when the state's is dynamic. */
  code?: number | null;
  codeDescription?: string | null;
  contextPatch?: Record<string, unknown>;
  /** When given, the change is refused unless the row is still at this version. */
  expectedVersion?: number;
  /**
   * Effects of the transition not to enqueue, because the caller does that work itself in this same transaction
   * (the next step of a chain run by one job); the transition and its history row are recorded as usual.
   */
  doneInline?: readonly string[];
  /**
   * For news that can overtake the state it belongs to (GİB's answers to an envelope whose send we have not recorded
   * yet, after a crash between GİB's acceptance and our commit): while the entity is in one of these states the
   * event is kept in its context instead of refused, and applied — in arrival order, with the rules of the state
   * reached then — by the transition that leaves them.
   */
  holdWhileIn?: readonly string[];
}

export interface ApplyResult {
  from: string;
  to: string;
  version: number;
  context: Record<string, unknown>;
  /** The event was kept for later (holdWhileIn): the state did not change. */
  held?: boolean;
}

/** An event kept in the entity's context (`heldEvents`) until it leaves the states that hold it. */
interface HeldEvent {
  event: string;
  actor: string;
  reason: string | null;
  code: number | null;
  codeDescription: string | null;
  contextPatch: Record<string, unknown> | null;
  holdWhileIn: readonly string[];
  heldAt: string;
}

export interface HistoryEntry {
  at: string;
  fromState: string | null;
  toState: string;
  event: string;
  actor: string;
  reason: string | null;
  code: number | null;
  version: number;
}

export interface MachineStoreDeps {
  clock: () => Date;
  maxAttempts: number;
  /** Where write transactions go (group commit); one of its own by default. */
  writer?: WriteBatcher;
}

export function createMachineStore(db: Knex, deps: MachineStoreDeps) {
  const now = () => deps.clock().toISOString();
  const writer = deps.writer ?? createWriteBatcher(db);

  async function withTransaction<T>(trx: Knex | Knex.Transaction | undefined, fn: (trx: Knex.Transaction) => Promise<T>) {
    if (trx && (trx as Knex.Transaction).isTransaction) return fn(trx as Knex.Transaction);
    try {
      return await writer.run(fn);
    } catch (err) {
      // SQLite: another connection (a second process) holds the write lock while our read-then-write transaction
      // tries to upgrade — the same situation as a lost optimistic lock, and as retryable.
      if (String((err as { code?: string }).code).startsWith('SQLITE_BUSY')) throw new GatewayError('VERSION_CONFLICT', {}, err);
      throw err;
    }
  }

  async function enqueueEffects(trx: Knex.Transaction, machine: AnyMachine, effects: readonly string[], ref: EntityRef, version: number) {
    for (const task of effects) {
      await enqueueJob(trx, {
        task,
        key: `${task}:${machine.id}:${ref.id}:${version}`,
        payload: { table: ref.table, id: ref.id, machine: machine.id },
        runAt: now(),
        maxAttempts: deps.maxAttempts,
        createdAt: now(),
      });
    }
  }

  /** apply() inside a transaction: the transition, its history and effects, then any held events it releases. */
  async function applyIn(t: Knex.Transaction, ref: EntityRef, input: ApplyInput, releasedAt?: Date): Promise<ApplyResult> {
    const table = machineTable(ref.table);
    const row = await selectFirst<{ machine: string; state: string; version: number; context: unknown }>(
      t,
      `select machine, state, version, context from ${table} where id = ?`,
      [ref.id],
    );
    if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
    row.version = Number(row.version);
    const machine = machineById(row.machine);
    if (input.expectedVersion !== undefined && input.expectedVersion !== row.version) {
      throw new GatewayError('VERSION_CONFLICT');
    }
    const context = parseJson<Record<string, unknown>>(row.context, {});
    // Released held events are recorded at the time of the transition that releases them: one moment, one transaction.
    const at = releasedAt ?? deps.clock();
    const version = row.version + 1;
    const held = (context.heldEvents as HeldEvent[] | undefined) ?? [];

    if (input.holdWhileIn?.includes(row.state)) {
      const kept: HeldEvent = {
        event: input.event,
        actor: input.actor,
        reason: input.reason ?? null,
        code: input.code ?? null,
        codeDescription: input.codeDescription ?? null,
        contextPatch: input.contextPatch ?? null,
        holdWhileIn: input.holdWhileIn,
        heldAt: at.toISOString(),
      };
      const nextContext = { ...context, heldEvents: [...held, kept] };
      await update(t, table, ref.id, row.version, row.state, nextContext, at);
      return { from: row.state, to: row.state, version, context: nextContext, held: true };
    }

    const result = transition(machine, row.state, input.event, { context, now: at });
    const nextContext: Record<string, unknown> = { ...context, ...input.contextPatch };
    if (input.code !== undefined && input.code !== null) nextContext.code = input.code;
    if (input.codeDescription) nextContext.codeDescription = input.codeDescription;
    const released = held.filter((h) => !h.holdWhileIn.includes(result.to));
    if (released.length > 0) {
      const still = held.filter((h) => h.holdWhileIn.includes(result.to));
      if (still.length > 0) nextContext.heldEvents = still;
      else delete nextContext.heldEvents;
    }
    await update(t, table, ref.id, row.version, result.to, nextContext, at);
    const code = describeState(machine, result.to, nextContext).code;
    await insertHistory(t, [machine.id, ref.id, version, result.from, result.to, input.event, input.actor, input.reason ?? null, code, at.toISOString()]);
    const effects = input.doneInline ? result.effects.filter((e) => !input.doneInline!.includes(e)) : result.effects;
    await enqueueEffects(t, machine, effects, ref, version);

    // Held news, in the order it came, judged by the state it meets now: what that state does not take is late
    // news and dropped, as it would have been had it come now (the raw answers stay on record where they arrived).
    for (const h of released) {
      try {
        const replay: ApplyInput = {
          event: h.event,
          actor: h.actor,
          reason: `${h.reason ?? ''} [${h.heldAt} tarihinde geldi, bekletildi]`.trim().slice(0, 1000),
          code: h.code,
          codeDescription: h.codeDescription,
          ...(h.contextPatch ? { contextPatch: h.contextPatch } : {}),
        };
        await applyIn(t, ref, replay, at);
      } catch (err) {
        if (!(err instanceof GatewayError && err.fault === 'ILLEGAL_TRANSITION')) throw err;
      }
    }
    return { from: result.from, to: result.to, version, context: nextContext };
  }

  async function update(t: Knex.Transaction, table: string, id: number, fromVersion: number, state: string, context: Record<string, unknown>, at: Date) {
    const updated = await execute(t, `update ${table} set state = ?, version = ?, context = ?, updated_at = ? where id = ? and version = ?`, [
      state,
      fromVersion + 1,
      JSON.stringify(context),
      at.toISOString(),
      id,
      fromVersion,
    ]);
    if (updated !== 1) throw new GatewayError('VERSION_CONFLICT');
  }

  return {
    /** Records the birth of an entity the caller has just inserted in its initial state (inside the caller's trx). */
    async recordCreated<M extends AnyMachine>(trx: Knex.Transaction, machine: M, ref: EntityRef<M>, actor: string, reason: string | null) {
      const spec = machine.states[machine.initial];
      await insertHistory(trx, [machine.id, ref.id, 1, null, machine.initial, 'CREATE', actor, reason, spec.code, now()]);
      await enqueueEffects(trx, machine, machine.initialEffects, ref, 1);
    },

    /**
     * Applies one event: the declared next state or a typed fault, and nothing changes on a fault. An event the
     * caller allows to wait (`holdWhileIn`) is kept while the entity is in those states (result.held).
     */
    async apply<M extends AnyMachine>(
      ref: EntityRef<M>,
      input: ApplyInput<EventOf<M>> & { holdWhileIn?: readonly StateOf<M>[] },
      trx?: Knex | Knex.Transaction,
    ): Promise<ApplyResult> {
      return withTransaction(trx, (t) => applyIn(t, ref, input));
    },

    async history(machineId: string, entityId: number, trx?: Knex): Promise<HistoryEntry[]> {
      return entityHistory(trx ?? db, machineId, entityId);
    },
  };
}

/**
 * An entity's history, oldest first. The caller has found the entity within its tenant: state_history rows carry no
 * tenant of their own, only the machine and the entity's id.
 */
export async function entityHistory(q: Queryable, machineId: string, entityId: number): Promise<HistoryEntry[]> {
  const rows = await selectAll<Record<string, any>>(
    q,
    'select at, from_state, to_state, event, actor, reason, code, version from state_history where machine = ? and entity_id = ? order by id',
    [machineId, entityId],
  );
  return rows.map((r) => ({
    at: r.at,
    fromState: r.from_state,
    toState: r.to_state,
    event: r.event,
    actor: r.actor,
    reason: r.reason,
    code: r.code === null ? null : Number(r.code),
    version: Number(r.version),
  }));
}

export type MachineStore = ReturnType<typeof createMachineStore>;

/** The tables machines drive (the names an EntityRef may carry: they go into SQL text). */
const MACHINE_TABLES = new Set(['invoices', 'incoming_invoices', 'cancel_requests', 'earsiv_reports', 'ledger_books', 'ledger_backups', 'tenant_services']);

function machineTable(table: string): string {
  if (!MACHINE_TABLES.has(table)) throw new Error(`machine store: ${table} is not a machine-driven table`);
  return table;
}

/** machine, entity_id, version, from_state, to_state, event, actor, reason, code, at */
function insertHistory(q: Knex.Transaction, values: readonly unknown[]): Promise<number> {
  return execute(q, 'insert into state_history (machine, entity_id, version, from_state, to_state, event, actor, reason, code, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', values);
}

/** When each of the entities last went through `event` (from the history), by entity id. */
export async function lastEventAt(q: Knex | Knex.Transaction, machineId: string, event: string, entityIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (entityIds.length === 0) return out;
  const rows = await reading(q)('state_history')
    .where({ machine: machineId, event })
    .whereIn('entity_id', entityIds)
    .groupBy('entity_id')
    .select('entity_id', q.raw('max(at) as at'));
  for (const r of rows) out.set(Number(r.entity_id), String(r.at));
  return out;
}
