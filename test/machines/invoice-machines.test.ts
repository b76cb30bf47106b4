import { expect } from 'chai';
import { GatewayError } from '../../src/faults';
import {
  describeState,
  cancelRequestMachine,
  earsivInvoiceMachine,
  earsivReportMachine,
  efaturaInvoiceMachine,
  incomingInvoiceMachine,
  ledgerBackupMachine,
  ledgerBookMachine,
  activationMachine,
  portalTab,
  transition,
  type AnyMachine,
  type StateSpec,
} from '../../src/machines';
import { responseDeadline } from '../../src/machines/invoice.guards';

/**
 * The expected tables, written out independently of the machines' source: every (state, event) pair not listed
 * here must be refused with ILLEGAL_TRANSITION, and every listed one must reach exactly its target.
 */
const GIB_EVENTS: [string, string][] = [
  ['GIB_QUEUED', 'GIB_QUEUED'],
  ['GIB_PROCESSING', 'GIB_PROCESSING'],
  ['GIB_ACCEPTED', 'GIB_ACCEPTED'],
  ['DELIVERY_RETRY', 'DELIVERY_RETRY'],
  ['AWAITING_RECEIVER', 'AWAITING_RECEIVER'],
];
const OUTCOMES = 'GIB_REJECTED>GIB_REJECTED DELIVERY_FAILED>DELIVERY_FAILED RECEIVER_FAILED>RECEIVER_FAILED DELIVERED>DELIVERED';

function gibRow(state: string, later: number): string {
  const forward = GIB_EVENTS.slice(later).map(([e, s]) => `${e}>${s}`);
  if (state === 'DELIVERY_RETRY') forward.unshift('DELIVERY_RETRY>DELIVERY_RETRY');
  return `${state}: ${[...forward, OUTCOMES].join(' ')}`;
}

const EFATURA_EXPECTED = [
  'RECEIVED: PROCESS>PROCESSED FAIL>ERROR',
  'PROCESSED: SIGN>SIGNED FAIL>ERROR',
  'SIGNED: ENVELOPE>ENVELOPED FAIL>ERROR',
  'ENVELOPED: SEND>SENT FAIL>ERROR',
  gibRow('SENT', 0),
  gibRow('GIB_QUEUED', 1),
  gibRow('GIB_PROCESSING', 2),
  gibRow('GIB_ACCEPTED', 3),
  gibRow('DELIVERY_RETRY', 4),
  gibRow('AWAITING_RECEIVER', 5),
  'DELIVERED: APPLICATION_ACCEPTED>ACCEPTED APPLICATION_REJECTED>REJECTED CANCEL_APPROVED>CANCELLED',
  'ACCEPTED: CANCEL_APPROVED>CANCELLED',
  'REJECTED:',
  'CANCELLED:',
  'GIB_REJECTED:',
  'DELIVERY_FAILED:',
  'RECEIVER_FAILED:',
  'ERROR:',
];

const EARSIV_EXPECTED = [
  'RECEIVED: PROCESS>PROCESSED FAIL>ERROR',
  'PROCESSED: SIGN>SIGNED FAIL>ERROR',
  'SIGNED: ADD_TO_REPORT>IN_REPORT FAIL>ERROR',
  'IN_REPORT: REPORT_SENT>REPORTED REPORT_REJECTED>ERROR',
  'REPORTED: REPORT_ACCEPTED>SUCCESS REPORT_REJECTED>ERROR',
  'SUCCESS: CANCEL>CANCELLED',
  'CANCELLED: CANCEL_REPORTED>CANCEL_REPORTED',
  'CANCEL_REPORTED:',
  'ERROR:',
];

const INCOMING_EXPECTED = [
  'INBOX: ACCEPT>ACCEPTED REJECT>REJECTED CANCEL_APPROVED>CANCELLED',
  'ACCEPTED: CANCEL_APPROVED>CANCELLED',
  'REJECTED:',
  'CANCELLED:',
];

const CANCEL_REQUEST_EXPECTED = ['WAITING: APPROVE>APPROVED REJECT>REJECTED DELETE>DELETED', 'APPROVED:', 'REJECTED:', 'DELETED:'];

const EARSIV_REPORT_EXPECTED = ['CREATED: SEND>SENT FAIL>ERROR', 'SENT: ACCEPT>ACCEPTED REJECT>REJECTED', 'ACCEPTED:', 'REJECTED:', 'ERROR:'];

const LEDGER_BOOK_EXPECTED = [
  'NOT_STARTED: PLAN>NOT_STARTED BUILD>FILE_CREATED CHECK_FAIL>CHECK_FAILED RESET>NOT_STARTED STEP_FAIL>NOT_STARTED',
  'CHECK_FAILED: RESET>NOT_STARTED',
  'FILE_CREATED: PLAN>FILE_CREATED SIGN>FILE_SIGNED RESET>NOT_STARTED STEP_FAIL>FILE_CREATED',
  'FILE_SIGNED: PLAN>FILE_SIGNED BUILD_BERAT>BERAT_CREATED RESET>NOT_STARTED STEP_FAIL>FILE_SIGNED',
  'BERAT_CREATED: PLAN>BERAT_CREATED SIGN_BERAT>BERAT_SIGNED RESET>NOT_STARTED STEP_FAIL>BERAT_CREATED',
  'BERAT_SIGNED: PLAN>BERAT_SIGNED SEND>SENT RESET>NOT_STARTED STEP_FAIL>BERAT_SIGNED',
  'SENT: PLAN>SENT APPROVE>APPROVED REJECT>GIB_REJECTED STEP_FAIL>SENT',
  'APPROVED: PLAN>APPROVED DOWNLOAD>DOWNLOADED STEP_FAIL>APPROVED',
  'DOWNLOADED:',
  'GIB_REJECTED: RESET>NOT_STARTED',
];

function parseExpected(lines: string[]): Map<string, Map<string, string>> {
  const table = new Map<string, Map<string, string>>();
  for (const line of lines) {
    const [state, rest] = line.split(':');
    const row = new Map<string, string>();
    for (const pair of rest.trim().split(/\s+/).filter(Boolean)) {
      const [event, target] = pair.split('>');
      row.set(event, target);
    }
    table.set(state, row);
  }
  return table;
}

/** A context and time under which every guard passes, so only the table decides. */
const PASSING = { context: { profileId: 'TICARIFATURA', deliveredAt: '2026-01-10T09:00:00.000Z' }, now: new Date('2026-01-11T09:00:00Z') };

/** `unreachable`: states the guards close off in this context (a service of another kind reaches them). */
function exhaustive(machine: AnyMachine, expectedLines: string[], passing: { context: Record<string, unknown>; now: Date } = PASSING, unreachable: string[] = []) {
  const expected = parseExpected(expectedLines);
  it('declares exactly the expected states', () => {
    expect(Object.keys(machine.states).sort()).to.deep.equal([...expected.keys()].sort());
  });
  for (const state of Object.keys(machine.states)) {
    for (const event of machine.events) {
      const target = expected.get(state)?.get(event);
      it(`${state} × ${event} → ${target ?? 'ILLEGAL_TRANSITION'}`, () => {
        if (target) {
          expect(transition(machine, state, event, passing).to).to.equal(target);
        } else {
          let caught: unknown;
          try {
            transition(machine, state, event, passing);
          } catch (err) {
            caught = err;
          }
          expect(caught).to.be.instanceOf(GatewayError);
          expect((caught as GatewayError).fault).to.equal('ILLEGAL_TRANSITION');
        }
      });
    }
  }
  it('final states have no way out and every non-final state has one', () => {
    for (const [name, spec] of Object.entries(machine.states as Record<string, StateSpec>)) {
      const ways = Object.keys(spec.on ?? {}).length;
      expect(ways > 0, name).to.equal(!spec.final);
    }
  });
  it('every state is reachable from the initial state, by a shortest path', () => {
    const seen = new Map<string, string[]>([[machine.initial, []]]);
    const queue = [machine.initial];
    while (queue.length) {
      const state = queue.shift()!;
      for (const [event, step] of Object.entries((machine.states as Record<string, StateSpec>)[state]!.on ?? {}) as [string, { target: string }][]) {
        // Only the transitions the guards allow in this context (a service's kind decides which ways it has).
        const allowed = expected.get(state)?.get(event) === step.target;
        if (allowed && !seen.has(step.target)) {
          seen.set(step.target, [...seen.get(state)!, event]);
          queue.push(step.target);
        }
      }
    }
    expect([...seen.keys()].sort()).to.deep.equal(Object.keys(machine.states).filter((st) => !unreachable.includes(st)).sort());
    // Replaying each shortest path through transition() lands where the search said.
    for (const [target, path] of seen) {
      let state = machine.initial;
      for (const event of path) state = transition(machine, state, event, passing).to;
      expect(state).to.equal(target);
    }
  });
}

describe('e-Fatura invoice machine', () => {
  exhaustive(efaturaInvoiceMachine, EFATURA_EXPECTED);

  it('shows e-Logo status/code/description, and GİB’s own code in an error state', () => {
    expect(describeState(efaturaInvoiceMachine, 'RECEIVED', {})).to.deep.equal({ status: 1, code: 10, description: 'KUYRUGA ALINDI' });
    expect(describeState(efaturaInvoiceMachine, 'DELIVERED', {})).to.include({ status: 2, code: 1300 });
    expect(describeState(efaturaInvoiceMachine, 'GIB_REJECTED', { code: 1150, codeDescription: 'SCHEMATRON KONTROL SONUCU HATALI' }))
      .to.deep.equal({ status: -1, code: 1150, description: 'SCHEMATRON KONTROL SONUCU HATALI' });
  });

  it('refuses KABUL for a TEMELFATURA (guard isCommercial)', () => {
    const input = { ...PASSING, context: { ...PASSING.context, profileId: 'TEMELFATURA' } };
    expect(() => transition(efaturaInvoiceMachine, 'DELIVERED', 'APPLICATION_ACCEPTED', input)).to.throw(GatewayError, /isCommercial/);
  });

  it('accepts KABUL until 23:59:59 Istanbul time of day 8, refuses it a second later', () => {
    const deliveredAt = '2026-03-02T21:30:00.000Z'; // 00:30 on 3 March in Istanbul
    const deadline = responseDeadline(new Date(deliveredAt));
    expect(deadline.toISOString()).to.equal('2026-03-11T20:59:59.999Z'); // 11 March 23:59:59.999 Istanbul
    const ctx = { profileId: 'TICARIFATURA', deliveredAt };
    expect(transition(efaturaInvoiceMachine, 'DELIVERED', 'APPLICATION_ACCEPTED', { context: ctx, now: deadline }).to).to.equal('ACCEPTED');
    const late = new Date(deadline.getTime() + 1);
    expect(() => transition(efaturaInvoiceMachine, 'DELIVERED', 'APPLICATION_REJECTED', { context: ctx, now: late })).to.throw(
      GatewayError,
      /withinResponseWindow/,
    );
  });
});

describe('e-Arşiv invoice machine', () => {
  exhaustive(earsivInvoiceMachine, EARSIV_EXPECTED);

  it('maps statuses to the portal tabs of seed 000', () => {
    const tab = (state: string) => portalTab(describeState(earsivInvoiceMachine, state, {}).status);
    expect(tab('RECEIVED')).to.equal('Henüz Sonuçlanmamış');
    expect(tab('REPORTED')).to.equal('Henüz Sonuçlanmamış');
    expect(tab('SUCCESS')).to.equal('Başarılı');
    expect(tab('ERROR')).to.equal('Hatalı');
  });

  it('cannot cancel an invoice that is not successful (seed 000)', () => {
    for (const state of ['RECEIVED', 'PROCESSED', 'SIGNED', 'IN_REPORT', 'REPORTED', 'ERROR']) {
      expect(() => transition(earsivInvoiceMachine, state, 'CANCEL', PASSING), state).to.throw(GatewayError);
    }
  });
});

describe('incoming invoice machine (the receiver’s inbox)', () => {
  exhaustive(incomingInvoiceMachine, INCOMING_EXPECTED);

  it('sends the answer as an effect of KABUL and RED, and refuses both for a TEMELFATURA', () => {
    expect(transition(incomingInvoiceMachine, 'INBOX', 'ACCEPT', PASSING).effects).to.deep.equal(['application-response.send']);
    expect(transition(incomingInvoiceMachine, 'INBOX', 'REJECT', PASSING).effects).to.deep.equal(['application-response.send']);
    const basic = { ...PASSING, context: { ...PASSING.context, profileId: 'TEMELFATURA' } };
    expect(() => transition(incomingInvoiceMachine, 'INBOX', 'ACCEPT', basic)).to.throw(GatewayError, /isCommercial/);
  });
});

describe('e-Fatura cancellation request machine (seed 004)', () => {
  exhaustive(cancelRequestMachine, CANCEL_REQUEST_EXPECTED);

  it('words the states as GİB’s cancellation portal does', () => {
    expect(describeState(cancelRequestMachine, 'WAITING', {}).description).to.equal('Onay Bekliyor');
    expect(describeState(cancelRequestMachine, 'APPROVED', {})).to.deep.include({ status: 2, code: 1235, description: 'Fatura İptal Edildi' });
  });
});

describe('e-Arşiv report machine', () => {
  exhaustive(earsivReportMachine, EARSIV_REPORT_EXPECTED);

  it('sends when created and checks GİB’s verdict once sent', () => {
    expect(earsivReportMachine.initialEffects).to.deep.equal(['earsiv-report.send']);
    expect(transition(earsivReportMachine, 'CREATED', 'SEND', PASSING).effects).to.deep.equal(['earsiv-report.check']);
  });
});

describe('e-Fatura invoice machine effects', () => {
  it('envelopes after signing and sends after enveloping', () => {
    expect(transition(efaturaInvoiceMachine, 'PROCESSED', 'SIGN', PASSING).effects).to.deep.equal(['invoice.envelope']);
    expect(transition(efaturaInvoiceMachine, 'SIGNED', 'ENVELOPE', PASSING).effects).to.deep.equal(['invoice.send']);
  });
});

describe('e-Defter book machine (seed 001\'s steps)', () => {
  exhaustive(ledgerBookMachine, LEDGER_BOOK_EXPECTED);

  it('names the states as e-Logo\'s e-Defter screen does, and keeps the check\'s or GİB\'s reason in an error state', () => {
    const names = ['NOT_STARTED', 'FILE_CREATED', 'FILE_SIGNED', 'BERAT_CREATED', 'BERAT_SIGNED', 'SENT', 'DOWNLOADED'].map((s) => describeState(ledgerBookMachine, s, {}).description);
    expect(names).to.deep.equal(['İşlem Yapılmadı', 'Dosya Oluşturuldu', 'Dosya İmzalandı', 'Berat Oluşturuldu', 'Berat İmzalandı', "GİB'e Gönderildi", 'Onaylı Berat İndirildi']);
    expect(describeState(ledgerBookMachine, 'CHECK_FAILED', { code: 4602, codeDescription: 'Borç ve alacak toplamları eşit değil' })).to.deep.equal({ status: -1, code: 4602, description: 'Borç ve alacak toplamları eşit değil' });
  });

  it('every step and every plan starts the next step\'s job (the end too: the month\'s other book may have work left); an error state and a reset start nothing', () => {
    for (const [state, event] of [['NOT_STARTED', 'PLAN'], ['NOT_STARTED', 'BUILD'], ['FILE_CREATED', 'SIGN'], ['BERAT_SIGNED', 'SEND'], ['SENT', 'APPROVE']] as const) {
      expect(transition(ledgerBookMachine, state, event, PASSING).effects, `${state} × ${event}`).to.deep.equal(['ledger.advance']);
    }
    // Onaylı Berat İndirildi also hands the month to the archive (stored when the tenant's backup is automatic).
    expect(transition(ledgerBookMachine, 'APPROVED', 'DOWNLOAD', PASSING).effects).to.deep.equal(['ledger.advance', 'ledger.backup']);
    for (const [state, event] of [['NOT_STARTED', 'CHECK_FAIL'], ['SENT', 'REJECT'], ['FILE_SIGNED', 'RESET']] as const) {
      expect(transition(ledgerBookMachine, state, event, PASSING).effects, `${state} × ${event}`).to.deep.equal([]);
    }
  });
});

const LEDGER_BACKUP_EXPECTED = [
  'NOT_SENT: STORE>PROCESSED STORE_FAIL>FAILED',
  'PROCESSED: STORE>PROCESSED STORE_FAIL>PROCESSED VERIFY>BACKED_UP VERIFY_FAIL>FAILED',
  'BACKED_UP: STORE>PROCESSED STORE_FAIL>BACKED_UP VERIFY>BACKED_UP VERIFY_FAIL>FAILED',
  'FAILED: STORE>PROCESSED STORE_FAIL>FAILED VERIFY>BACKED_UP VERIFY_FAIL>FAILED',
];

describe('e-Defter backup machine (seed 002\'s Yedekleme durumu)', () => {
  exhaustive(ledgerBackupMachine, LEDGER_BACKUP_EXPECTED, { context: { storedVersion: 1 }, now: new Date('2026-01-11T09:00:00Z') });

  it('names the states as e-Logo does; Yedeklenemedi keeps the reason; only Yedeklendi is a success', () => {
    const names = ['NOT_SENT', 'PROCESSED', 'BACKED_UP'].map((s) => describeState(ledgerBackupMachine, s, {}));
    expect(names.map((n) => n.description)).to.deep.equal(["Entegratör'e Gönderilmedi", 'Entegratöre işlendi', 'Yedeklendi']);
    expect(names.map((n) => n.status)).to.deep.equal([1, 1, 2]);
    expect(describeState(ledgerBackupMachine, 'FAILED', { code: 4623, codeDescription: 'DOSYA EKSİK' })).to.deep.equal({ status: -1, code: 4623, description: 'DOSYA EKSİK' });
  });

  it('a failed month becomes Yedeklendi by a status query only when a version of it is stored', () => {
    expect(() => transition(ledgerBackupMachine, 'FAILED', 'VERIFY', { context: { storedVersion: 0 }, now: new Date() })).to.throw(GatewayError);
    expect(() => transition(ledgerBackupMachine, 'FAILED', 'VERIFY', { context: {}, now: new Date() })).to.throw(GatewayError);
    expect(transition(ledgerBackupMachine, 'FAILED', 'VERIFY', { context: { storedVersion: 2 }, now: new Date() }).to).to.equal('BACKED_UP');
  });
});

/** A service GİB opens (e-Fatura): contract and GİB account. */
const ACTIVATION_GIB_EXPECTED = [
  'ORDERED: PAY>AWAITING_ACTIVATION',
  'AWAITING_ACTIVATION: START>AWAITING_SIGNATURE',
  'AWAITING_SIGNATURE: CHANGE_DATE>AWAITING_SIGNATURE WITHDRAW>AWAITING_ACTIVATION SIGN>AWAITING_SEND',
  'AWAITING_SEND: CHANGE_DATE>AWAITING_SEND SEND>AWAITING_GIB SEND_REFUSED>OPEN_FAILED',
  'AWAITING_GIB: GIB_OK>ACTIVE GIB_ERROR>ERROR',
  'ACTIVE: CLOSE>CLOSE_AWAITING_SEND',
  'ERROR: RESTART>AWAITING_ACTIVATION',
  'CLOSE_AWAITING_SEND: SEND>CLOSE_AWAITING_GIB SEND_REFUSED>CLOSE_FAILED',
  'CLOSE_AWAITING_GIB: GIB_OK>CLOSED GIB_ERROR>CLOSE_FAILED',
  'CLOSED: ORDER>ORDERED',
  'OPEN_FAILED: RESTART>AWAITING_ACTIVATION',
  'CLOSE_FAILED: CLOSE>CLOSE_AWAITING_SEND',
];
/** A service with a contract but no GİB account (e-Defter, Faktoring): it opens when its date comes, without GİB. */
const ACTIVATION_CONTRACT_ONLY_EXPECTED = ACTIVATION_GIB_EXPECTED.map((line) =>
  line
    .replace('SEND>AWAITING_GIB SEND_REFUSED', 'OPEN>ACTIVE SEND_REFUSED')
    .replace('SEND>CLOSE_AWAITING_GIB SEND_REFUSED', 'OPEN>CLOSED SEND_REFUSED'),
);
/** A service with neither (e-Ticaret, SMS, Mailing): Aktif as soon as it is activated. */
const ACTIVATION_DIRECT_EXPECTED = ACTIVATION_CONTRACT_ONLY_EXPECTED.map((line) => line.replace('AWAITING_ACTIVATION: START>AWAITING_SIGNATURE', 'AWAITING_ACTIVATION: OPEN>ACTIVE'));

describe('service activation machine (seed 003\'s Hizmetlerim): a service GİB opens', () => {
  exhaustive(activationMachine, ACTIVATION_GIB_EXPECTED, { context: { contract: true, gibService: 'EFATURA' }, now: new Date('2026-12-06T09:00:00Z') });

  it('names the states with e-Logo\'s codes and Turkish names', () => {
    const rows = Object.keys(activationMachine.states).map((s) => {
      const d = describeState(activationMachine, s, {});
      return `${d.code} ${d.description}`;
    });
    expect(rows).to.deep.equal([
      '0 Onay Bekliyor', '1 Aktivasyon Bekliyor', "3 Müşteri İmzası Bekliyor", "4 GİB'e Gönderimi Bekliyor", "5 GİB'den Onay Bekliyor", '2 Aktif', '-1 Hatalı',
      "6 İptal İşlemi GİB'e Gönderim Bekliyor", '-2 İptal Bekliyor', '-3 İptal', '-4 Hizmet Açılışı Başarısız', '-5 Hizmet Kapanışı Başarısız',
    ]);
  });

  it('every outcome the customer must hear about mails it (activation.notify), nothing else does', () => {
    const notifying: string[] = [];
    for (const [state, spec] of Object.entries(activationMachine.states as Record<string, StateSpec>)) {
      for (const [event, step] of Object.entries(spec.on ?? {}) as [string, { target: string; effects?: readonly string[] }][]) {
        if (step.effects?.includes('activation.notify')) notifying.push(`${state}.${event}>${step.target}`);
      }
    }
    expect(new Set(notifying.map((n) => n.split('>')[1]))).to.deep.equal(new Set(['ACTIVE', 'ERROR', 'OPEN_FAILED', 'CLOSED', 'CLOSE_FAILED']));
  });
});

describe('service activation machine: a service with a contract and no GİB account (e-Defter)', () => {
  exhaustive(activationMachine, ACTIVATION_CONTRACT_ONLY_EXPECTED, { context: { contract: true }, now: new Date('2026-12-06T09:00:00Z') }, ['AWAITING_GIB', 'ERROR', 'CLOSE_AWAITING_GIB']);
});

describe('service activation machine: a service with neither (e-Ticaret)', () => {
  exhaustive(activationMachine, ACTIVATION_DIRECT_EXPECTED, { context: {}, now: new Date('2026-12-06T09:00:00Z') }, ['AWAITING_SIGNATURE', 'AWAITING_SEND', 'AWAITING_GIB', 'ERROR', 'OPEN_FAILED', 'CLOSE_AWAITING_GIB']);
});
