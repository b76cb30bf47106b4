/**
 * The PKCS#11 signer against real SoftHSM2 tokens (test/helpers/softhsm.ts): no mocked module anywhere. Where
 * SoftHSM cannot produce a condition (it never locks a PIN), the test says how it gets there.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GatewayError, isGatewayError, type FaultName } from '../../src/faults';
import { faultForCkr, pkcs11Stats } from '../../src/signing/pkcs11';
import { createSigner, type Pkcs11SignerConfig, type Signer } from '../../src/signing/signer';
import {
  createSoftHsmToken,
  reinsertToken,
  removeToken,
  setUserPinLocked,
  sharedSoftHsmDir,
  type SoftHsmToken,
} from '../helpers/softhsm';
import { tempDir } from './fixtures';

function configFor(token: SoftHsmToken, extra: Partial<Pkcs11SignerConfig> = {}): Pkcs11SignerConfig {
  return { type: 'pkcs11', module: token.module, tokenLabel: token.tokenLabel, keyLabel: token.keyLabel, pin: token.pin, ...extra };
}

async function rejectsWith(p: Promise<unknown>, fault: FaultName, cause?: string): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isGatewayError(err), `expected GatewayError ${fault}, got ${String(err)}`);
    assert.equal(err.fault, fault, `${err.fault}: ${err.message} (${String(err.cause)})`);
    if (cause !== undefined) assert.equal(err.cause, cause);
    return err;
  }
  assert.fail(`expected ${fault}, but it succeeded`);
}

function verifies(certPem: string, data: Buffer, sig: Buffer): boolean {
  return crypto.verify('sha256', data, new crypto.X509Certificate(certPem).publicKey, sig);
}

/** Count the PINs presented to tokens (C_Login calls) from now on. */
function countLogins(): { count: () => number } {
  const start = pkcs11Stats().loginAttempts;
  return { count: () => pkcs11Stats().loginAttempts - start };
}

describe('signing/pkcs11 (SoftHSM2)', function () {
  this.timeout(60_000);
  const dir = sharedSoftHsmDir();
  let token: SoftHsmToken;
  const opened: Signer[] = [];
  const open = async (config: Pkcs11SignerConfig, options: Parameters<typeof createSigner>[1] = {}) => {
    const s = await createSigner(config, { rescanIntervalMs: 0, ...options });
    opened.push(s);
    return s;
  };

  before(async () => {
    token = await createSoftHsmToken(dir, { vkn: '1234567890' });
  });

  after(async () => {
    for (const s of opened) await s.close();
  });

  it('signs with CKM_SHA256_RSA_PKCS and with CKM_RSA_PKCS over a host-hashed DigestInfo: identical signatures', async () => {
    const a = await open(configFor(token, { mechanism: 'CKM_SHA256_RSA_PKCS' }));
    const b = await open(configFor(token, { mechanism: 'CKM_RSA_PKCS' }));
    const data = Buffer.from('<ds:SignedInfo>…</ds:SignedInfo>');
    const sa = await a.sign(data);
    const sb = await b.sign(data);
    assert.equal(sa.length, 256);
    assert.ok(sa.equals(sb), 'RSA PKCS#1 v1.5 is deterministic: both mechanisms must give the same bytes');
    assert.ok(verifies(token.certPem, data, sa));
    // And the same as a software RSA-SHA256 verification expects, over other data too.
    const other = Buffer.from('x'.repeat(10_000));
    assert.ok(verifies(token.certPem, other, await b.sign(other)));
  });

  it('describes the key and gives the certificate stored on the token (same CKA_ID as the key)', async () => {
    const s = await open(configFor(token));
    const d = await s.describe();
    assert.equal(s.kind, 'pkcs11');
    assert.equal(d.vknTckn, '1234567890');
    assert.equal(d.label, `pkcs11:${token.tokenLabel}/${token.keyLabel}`);
    assert.match(d.subject, /^CN=GATEWAY TEST A\.S\.,2\.5\.4\.5=#130a31323334353637383930,/);
    const [leaf] = await s.certificateChain();
    assert.ok(leaf.equals(new crypto.X509Certificate(token.certPem).raw));
    assert.equal(d.serialNumber, new crypto.X509Certificate(token.certPem).serialNumber.toUpperCase());
    // Selecting by CKA_ID alone finds the same key.
    const byId = await open({ type: 'pkcs11', module: token.module, tokenLabel: token.tokenLabel, keyId: token.keyId, pin: token.pin });
    assert.ok((await byId.certificateChain())[0].equals(leaf));
  });

  it('signs 200 requests in parallel over a session pool (C_Initialize with CKF_OS_LOCKING_OK)', async () => {
    const s = await open(configFor(token, { sessions: 4 }));
    const inputs = Array.from({ length: 200 }, (_, i) => Buffer.from(`document ${i}`));
    const sigs = await Promise.all(inputs.map((d) => s.sign(d)));
    sigs.forEach((sig, i) => assert.ok(verifies(token.certPem, inputs[i], sig), `signature ${i}`));
    // Two signers on the same token and module at once, CKM_RSA_PKCS on one of them.
    const t = await open(configFor(token, { sessions: 2, mechanism: 'CKM_RSA_PKCS' }));
    const mixed = await Promise.all(inputs.map((d, i) => (i % 2 ? s : t).sign(d)));
    mixed.forEach((sig, i) => assert.ok(sig.equals(sigs[i])));
  });

  it('wrong PIN: SIGNER_PIN_INCORRECT with CKR_PIN_INCORRECT as cause, the PIN nowhere in the error, tried once only', async () => {
    // A token nobody in this process is logged in to (login state is per token, not per session).
    const card = await createSoftHsmToken(dir);
    const spy = countLogins();
    {
      const err = await rejectsWith(open(configFor(card, { pin: '999999' })), 'SIGNER_PIN_INCORRECT', 'CKR_PIN_INCORRECT');
      assert.ok(!JSON.stringify({ m: err.message, p: err.params, s: err.stack }).includes('999999'));
      assert.equal(spy.count(), 1);
      // The same wrong PIN again, from a new signer: refused without presenting it to the card (a real card
      // locks after 3 wrong tries).
      await rejectsWith(open(configFor(card, { pin: '999999' })), 'SIGNER_PIN_INCORRECT', 'CKR_PIN_INCORRECT');
      assert.equal(spy.count(), 1);

      // A PIN file with a wrong PIN: presented once, later calls fail locally; a corrected file is picked up.
      const pinFile = path.join(tempDir('pin'), 'pin');
      fs.writeFileSync(pinFile, '000000\n', { mode: 0o600 });
      const s = await open(configFor(card, { pin: undefined, pinFile }), { lazy: true });
      for (let k = 0; k < 3; k++) await rejectsWith(s.sign(Buffer.from('a')), 'SIGNER_PIN_INCORRECT', 'CKR_PIN_INCORRECT');
      assert.equal(spy.count(), 2, 'one C_Login for three attempts with the same wrong PIN');
      fs.writeFileSync(pinFile, `${card.pin}\n`);
      assert.ok(verifies(card.certPem, Buffer.from('a'), await s.sign(Buffer.from('a'))));

      // Now the process is logged in to the card: another signer with another wrong PIN only gets
      // CKR_USER_ALREADY_LOGGED_IN from the card, and is refused all the same.
      await rejectsWith(open(configFor(card, { pin: '111111' })), 'SIGNER_PIN_INCORRECT', 'CKR_USER_ALREADY_LOGGED_IN');
      await open(configFor(card));
    }
  });

  it('SoftHSM never locks a PIN by itself: after 5 wrong logins the right PIN still works', async () => {
    const card = await createSoftHsmToken(dir);
    for (let i = 0; i < 5; i++) await rejectsWith(open(configFor(card, { pin: `00000${i}` })), 'SIGNER_PIN_INCORRECT', 'CKR_PIN_INCORRECT');
    const s = await open(configFor(card));
    assert.ok(verifies(card.certPem, Buffer.from('b'), await s.sign(Buffer.from('b'))));
  });

  it('PIN locked: a token reporting CKF_USER_PIN_LOCKED gives SIGNER_PIN_LOCKED before any C_Login', async () => {
    // SoftHSM stores the token flags in token.object and reports them in C_GetTokenInfo; setting the locked flag
    // there (before this process loads the token) is as close to a locked card as SoftHSM gets.
    const locked = await createSoftHsmToken(dir, { vkn: '1234567890' });
    setUserPinLocked(locked);
    const spy = countLogins();
    await rejectsWith(open(configFor(locked)), 'SIGNER_PIN_LOCKED', 'CKF_USER_PIN_LOCKED');
    assert.equal(spy.count(), 0);
  });

  it('maps CKR_PIN_LOCKED (which SoftHSM never returns) and the other CKR_* codes to faults, keeping the code as cause', () => {
    const cases: Array<[string, FaultName]> = [
      ['CKR_PIN_LOCKED', 'SIGNER_PIN_LOCKED'],
      ['CKR_PIN_INCORRECT', 'SIGNER_PIN_INCORRECT'],
      ['CKR_PIN_LEN_RANGE', 'SIGNER_PIN_INCORRECT'],
      ['CKR_DEVICE_REMOVED', 'SIGNER_TOKEN_ABSENT'],
      ['CKR_TOKEN_NOT_PRESENT', 'SIGNER_TOKEN_ABSENT'],
      ['CKR_SESSION_HANDLE_INVALID', 'SIGNER_TOKEN_ABSENT'],
      ['CKR_FUNCTION_FAILED', 'SIGNER_FAILED'],
    ];
    for (const [ckr, fault] of cases) {
      const e = faultForCkr(ckr);
      assert.equal(e.fault, fault, ckr);
      assert.equal(e.cause, ckr);
    }
    assert.equal(faultForCkr('CKR_TOKEN_NOT_PRESENT').spec.retryable, true);
  });

  it('module missing or not a PKCS#11 library: SIGNER_MODULE_NOT_FOUND', async () => {
    await rejectsWith(open(configFor(token, { module: '/nonexistent/libakisp11.so' })), 'SIGNER_MODULE_NOT_FOUND', 'ENOENT');
    const notALib = path.join(tempDir('notlib'), 'lib.so');
    fs.writeFileSync(notALib, 'not a shared object');
    await rejectsWith(open(configFor(token, { module: notALib })), 'SIGNER_MODULE_NOT_FOUND');
  });

  it('key, certificate or token not found: SIGNER_KEY_NOT_FOUND / SIGNER_TOKEN_ABSENT', async () => {
    await rejectsWith(open(configFor(token, { keyLabel: 'no-such-key' })), 'SIGNER_KEY_NOT_FOUND', 'CKO_PRIVATE_KEY');
    await rejectsWith(open(configFor(token, { keyLabel: undefined, keyId: 'abcdef' })), 'SIGNER_KEY_NOT_FOUND', 'CKO_PRIVATE_KEY');
    await rejectsWith(open(configFor(token, { tokenLabel: 'NO SUCH TOKEN' })), 'SIGNER_TOKEN_ABSENT', 'CKR_TOKEN_NOT_PRESENT');
    await rejectsWith(open(configFor(token, { pin: undefined })), 'SIGNER_PIN_INCORRECT', 'NO_PIN_CONFIGURED');
  });

  it('expired and not-yet-valid certificates are refused at sign time (token certificates and injected clock)', async () => {
    const expired = await createSoftHsmToken(dir, { notBefore: new Date(Date.now() - 3 * 86400e3), notAfter: new Date(Date.now() - 86400e3) });
    const future = await createSoftHsmToken(dir, { notBefore: new Date(Date.now() + 86400e3), notAfter: new Date(Date.now() + 400 * 86400e3) });
    const e = await open(configFor(expired));
    await rejectsWith(e.sign(Buffer.from('x')), 'SIGNER_CERT_EXPIRED');
    const f = await open(configFor(future));
    await rejectsWith(f.sign(Buffer.from('x')), 'SIGNER_CERT_NOT_YET_VALID');
    // The clock is read at every signature, not at start-up.
    let now = new Date();
    const s = await open(configFor(token), { now: () => now });
    await s.sign(Buffer.from('x'));
    now = new Date(Date.now() + 10 * 365 * 86400e3);
    await rejectsWith(s.sign(Buffer.from('x')), 'SIGNER_CERT_EXPIRED');
    now = new Date(Date.now() - 10 * 86400e3);
    await rejectsWith(s.sign(Buffer.from('x')), 'SIGNER_CERT_NOT_YET_VALID');
    now = new Date();
    await s.sign(Buffer.from('x'));
  });

  it('card pulled out mid-operation and put back: SIGNER_TOKEN_ABSENT, then signs again without a restart', async () => {
    const card = await createSoftHsmToken(dir, { vkn: '1234567890' });
    const s = await open(configFor(card, { sessions: 4 }));
    const other = await open(configFor(token));
    assert.ok(verifies(card.certPem, Buffer.from('1'), await s.sign(Buffer.from('1'))));

    // Pull it out while 50 signatures are in flight: each either completes or fails with a typed fault.
    const inflight = Array.from({ length: 50 }, (_, i) => s.sign(Buffer.from(`r${i}`)).then(() => 'ok', (e: unknown) => e));
    removeToken(card);
    const outcomes = await Promise.all(inflight);
    for (const o of outcomes) if (o !== 'ok') assert.ok(isGatewayError(o) && o.fault === 'SIGNER_TOKEN_ABSENT', String(o));

    const absent = await rejectsWith(s.sign(Buffer.from('2')), 'SIGNER_TOKEN_ABSENT');
    assert.ok(String(absent.cause).startsWith('CKR_'), String(absent.cause));
    assert.equal(absent.spec.retryable, true);
    await rejectsWith(s.sign(Buffer.from('2')), 'SIGNER_TOKEN_ABSENT');

    reinsertToken(card);
    assert.ok(verifies(card.certPem, Buffer.from('3'), await s.sign(Buffer.from('3'))));
    const again = await Promise.all(Array.from({ length: 20 }, (_, i) => s.sign(Buffer.from(`s${i}`))));
    again.forEach((sig, i) => assert.ok(verifies(card.certPem, Buffer.from(`s${i}`), sig)));
    // The other token's signer, whose sessions the module re-initialisation invalidated, recovers by itself.
    assert.ok(verifies(token.certPem, Buffer.from('4'), await other.sign(Buffer.from('4'))));
  });

  it('a closed signer refuses to sign', async () => {
    const s = await createSigner(configFor(token));
    await s.close();
    await rejectsWith(s.sign(Buffer.from('x')), 'SIGNER_FAILED');
  });
});
