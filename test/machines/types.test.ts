import { expect } from 'chai';
import { entities, type MachineStore } from '../../src/db/machine-store';
import { defineMachine, earsivInvoiceMachine, efaturaInvoiceMachine, transition, type EventOf } from '../../src/machines';

/**
 * Machines carry their states and events as literal types. The lines marked @ts-expect-error are checked by the
 * type check that `npm test` runs before any test (`tsc --noEmit`): if one of them compiled, that directive would be
 * unused and the type check would fail. The runtime part shows that the same calls, correctly typed, work.
 */
describe('typed machines: applying an undeclared event does not compile', () => {
  const PASSING = { context: {}, now: new Date() };

  it('store.apply takes only the events of the machines that drive the row', () => {
    const misuse = (store: MachineStore) => {
      // @ts-expect-error: FOO is the event of no invoice machine
      void store.apply(entities.invoice(1), { event: 'FOO', actor: 'x' });
      // @ts-expect-error: an incoming invoice is never signed (SIGN is an invoice event)
      void store.apply(entities.incomingInvoice(1), { event: 'SIGN', actor: 'x' });
      // @ts-expect-error: a report is not cancelled (CANCEL is an e-Arşiv invoice event)
      void store.apply(entities.earsivReport(1), { event: 'CANCEL', actor: 'x' });
      // Both invoice machines' events are accepted for an invoice row; which one applies is decided at run time.
      void store.apply(entities.invoice(1), { event: 'ENVELOPE', actor: 'x' });
      void store.apply(entities.invoice(1), { event: 'ADD_TO_REPORT', actor: 'x' });
    };
    expect(misuse).to.be.a('function');
    const events: Array<EventOf<typeof earsivInvoiceMachine>> = ['PROCESS', 'SIGN', 'CANCEL'];
    expect(events.every((e) => earsivInvoiceMachine.events.includes(e))).to.equal(true);
  });

  it('transition() takes only the machine’s events; defineMachine only declared targets and events', () => {
    // @ts-expect-error: ENVELOPED is a state, not an event
    expect(() => transition(efaturaInvoiceMachine, 'SIGNED', 'ENVELOPED', PASSING)).to.throw();
    expect(transition(efaturaInvoiceMachine, 'SIGNED', 'ENVELOPE', PASSING).to).to.equal('ENVELOPED');

    const spec = (target: string) => ({
      id: 'typed',
      initial: 'A' as const,
      initialEffects: [],
      events: ['GO'],
      states: {
        A: { status: 1 as const, code: 1, description: 'a', on: { GO: { target: target as 'B' } } },
        B: { status: 2 as const, code: 2, description: 'b', final: true },
      },
      guards: {},
    });
    expect(defineMachine(spec('B')).initial).to.equal('A');
    // The load-time check still catches what a cast slips past the types.
    expect(() => defineMachine(spec('C'))).to.throw(/unknown C/);
    const undeclaredTarget = () =>
      defineMachine({
        id: 'typed',
        initial: 'A',
        initialEffects: [],
        events: ['GO'],
        // @ts-expect-error: C is no state of the machine
        states: { A: { status: 1, code: 1, description: 'a', on: { GO: { target: 'C' } } } },
        guards: {},
      });
    expect(undeclaredTarget).to.throw(/unknown C/);
    expect(() =>
      defineMachine({
        id: 'typed',
        initial: 'A',
        initialEffects: [],
        events: ['GO'],
        // @ts-expect-error: STOP is not among the machine's events
        states: { A: { status: 1, code: 1, description: 'a', on: { STOP: { target: 'A' } } } },
        guards: {},
      }),
    ).to.throw(/undeclared event STOP/);
  });
});
