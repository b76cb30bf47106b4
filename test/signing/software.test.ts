/**
 * The software signer (PEM and PKCS#12) and the development seal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { isGatewayError, type FaultName } from '../../src/faults';
import { certInfo, certificatesFrom, verifyChain } from '../../src/signing/cert';
import { DEV_SEAL_MARK, developmentSealPaths, ensureDevelopmentSeal, MALI_MUHUR_EKU_OID } from '../../src/signing/dev-seal';
import { createSigner } from '../../src/signing/signer';
import { softwareSeal, tempDir } from './fixtures';

async function rejectsWith(p: Promise<unknown>, fault: FaultName): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isGatewayError(err), String(err));
    assert.equal(err.fault, fault, err.message);
    return true;
  });
}

describe('signing/software', function () {
  this.timeout(30_000);

  it('signs RSA-SHA256 with a PEM key and describes its certificate', async () => {
    const seal = softwareSeal(tempDir('sw'), { vkn: '12345678901', title: 'Ayşe Yılmaz' });
    const s = await createSigner(seal.config);
    const data = Buffer.from('veri');
    const sig = await s.sign(data);
    assert.ok(crypto.verify('sha256', data, new crypto.X509Certificate(seal.certPem).publicKey, sig));
    const d = await s.describe();
    assert.equal(s.kind, 'software');
    assert.equal(d.vknTckn, '12345678901', 'an 11-digit TCKN is read as well');
    assert.match(d.subject, /CN=Ayşe Yılmaz/);
    await s.close();
    await rejectsWith(s.sign(data), 'SIGNER_FAILED');
  });

  it('checks validity at sign time against the injected clock', async () => {
    const seal = softwareSeal(tempDir('sw'));
    let now = new Date();
    const s = await createSigner(seal.config, { now: () => now });
    await s.sign(Buffer.from('x'));
    now = new Date(Date.now() + 5 * 365 * 86400e3);
    await rejectsWith(s.sign(Buffer.from('x')), 'SIGNER_CERT_EXPIRED');
    now = new Date(Date.now() - 2 * 86400e3);
    await rejectsWith(s.sign(Buffer.from('x')), 'SIGNER_CERT_NOT_YET_VALID');
  });

  it('encrypted key: wrong passphrase is SIGNER_PIN_INCORRECT; missing files and a foreign key SIGNER_KEY_NOT_FOUND', async () => {
    const dir = tempDir('sw');
    const seal = softwareSeal(dir);
    const cfg = seal.config as { keyFile: string; certFile: string };
    const key = crypto.createPrivateKey(fs.readFileSync(cfg.keyFile));
    const encrypted = path.join(dir, 'enc.key.pem');
    fs.writeFileSync(encrypted, key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'dogru-parola' }));
    const ok = await createSigner({ type: 'software', keyFile: encrypted, certFile: cfg.certFile, passphrase: 'dogru-parola' });
    await ok.sign(Buffer.from('x'));
    await rejectsWith(createSigner({ type: 'software', keyFile: encrypted, certFile: cfg.certFile, passphrase: 'yanlis' }), 'SIGNER_PIN_INCORRECT');
    await rejectsWith(createSigner({ type: 'software', keyFile: path.join(dir, 'none.pem'), certFile: cfg.certFile }), 'SIGNER_KEY_NOT_FOUND');
    const other = softwareSeal(dir, { name: 'other' });
    await rejectsWith(createSigner({ type: 'software', keyFile: (other.config as { keyFile: string }).keyFile, certFile: cfg.certFile }), 'SIGNER_KEY_NOT_FOUND');
  });

  it('loads a PKCS#12 file (key, certificate and chain)', async () => {
    const dir = tempDir('sw');
    const seal = softwareSeal(dir);
    const cfg = seal.config as { keyFile: string };
    const p12 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(fs.readFileSync(cfg.keyFile, 'utf8')),
      [forge.pki.certificateFromPem(seal.ca.certPem), forge.pki.certificateFromPem(seal.certPem)],
      'p12-parola',
      { algorithm: 'aes256' },
    );
    const file = path.join(dir, 'seal.p12');
    fs.writeFileSync(file, Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'));
    const s = await createSigner({ type: 'software', pkcs12File: file, passphrase: 'p12-parola' });
    const chain = await s.certificateChain();
    assert.equal(chain.length, 2);
    assert.ok(chain[0].equals(new crypto.X509Certificate(seal.certPem).raw), 'leaf first');
    assert.ok(crypto.verify('sha256', Buffer.from('x'), new crypto.X509Certificate(seal.certPem).publicKey, await s.sign(Buffer.from('x'))));
    await rejectsWith(createSigner({ type: 'software', pkcs12File: file, passphrase: 'yanlis' }), 'SIGNER_PIN_INCORRECT');
  });
});

describe('signing/dev-seal', function () {
  this.timeout(30_000);

  it('creates a clearly labelled development seal with a VKN, issued by a development root, key files 0600', async () => {
    const dir = path.join(tempDir('devseal'), 'seal');
    const config = await ensureDevelopmentSeal(dir, { vkn: '1234567890', title: 'Örnek Ticaret A.Ş.' });
    const p = developmentSealPaths(dir);
    assert.deepEqual(config, { type: 'software', keyFile: p.keyFile, certFile: p.certFile, chainFiles: [p.rootCertFile] });
    assert.equal(fs.statSync(p.keyFile).mode & 0o777, 0o600);
    assert.equal(fs.statSync(p.rootKeyFile).mode & 0o777, 0o600);

    const [leaf] = certificatesFrom(fs.readFileSync(p.certFile));
    const info = certInfo(leaf);
    assert.ok(info.subject.includes(`CN=${DEV_SEAL_MARK} - Örnek Ticaret A.Ş.`), info.subject);
    assert.equal(info.vknTckn, '1234567890');
    assert.ok(/serialNumber=1234567890/.test(info.x509.subject));
    assert.ok(info.x509.toLegacyObject().ext_key_usage?.includes(MALI_MUHUR_EKU_OID));
    const root = certificatesFrom(fs.readFileSync(p.rootCertFile));
    assert.ok(certInfo(root[0]).subject.includes('GERCEK DEGIL'));
    assert.ok(verifyChain(leaf, [], root, new Date()).ok);

    const s = await createSigner(config);
    assert.equal(s.kind, 'software');
    assert.equal((await s.certificateChain()).length, 2);
    await s.sign(Buffer.from('x'));
  });

  it('is idempotent: later starts reuse the files; a new VKN gets a new seal from the same root', async () => {
    const dir = tempDir('devseal');
    await ensureDevelopmentSeal(dir, { vkn: '1234567890', title: 'A' });
    const p = developmentSealPaths(dir);
    const before = [p.keyFile, p.certFile, p.rootCertFile, p.rootKeyFile].map((f) => fs.readFileSync(f, 'utf8'));
    await ensureDevelopmentSeal(dir, { vkn: '1234567890', title: 'A' });
    const after = [p.keyFile, p.certFile, p.rootCertFile, p.rootKeyFile].map((f) => fs.readFileSync(f, 'utf8'));
    assert.deepEqual(after, before);

    await ensureDevelopmentSeal(dir, { vkn: '9876543210', title: 'B' });
    assert.notEqual(fs.readFileSync(p.certFile, 'utf8'), before[1]);
    assert.equal(fs.readFileSync(p.rootCertFile, 'utf8'), before[2]);
    assert.equal(certInfo(certificatesFrom(fs.readFileSync(p.certFile))[0]).vknTckn, '9876543210');

    // Two starts at once end with one consistent key/certificate pair.
    const dir2 = tempDir('devseal');
    const [c1, c2] = await Promise.all([ensureDevelopmentSeal(dir2, { vkn: '1111111111', title: 'C' }), ensureDevelopmentSeal(dir2, { vkn: '1111111111', title: 'C' })]);
    assert.deepEqual(c1, c2);
    await (await createSigner(c1)).sign(Buffer.from('x'));
  });

  it('a lock left by a killed process does not block (no 60 s wait); one held by a live process does', async () => {
    const opts = { vkn: '1234567890', title: 'A' };
    const dir = tempDir('devseal');
    const dead = spawn(process.execPath, ['-e', 'process.exit(0)']);
    await once(dead, 'exit');
    fs.writeFileSync(path.join(dir, '.dev-seal.lock'), `${dead.pid} ${os.hostname()}\n`);
    const t0 = Date.now();
    await ensureDevelopmentSeal(dir, opts);
    assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
    assert.ok(!fs.existsSync(path.join(dir, '.dev-seal.lock')));

    const dir2 = tempDir('devseal');
    const live = spawn('sleep', ['30']);
    try {
      fs.writeFileSync(path.join(dir2, '.dev-seal.lock'), `${live.pid} ${os.hostname()}\n`);
      let settled = false;
      const p = ensureDevelopmentSeal(dir2, opts);
      p.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, false, 'a live holder\'s lock must be waited for');
      live.kill('SIGKILL'); // the holder dies: the waiter takes the lock over
      await once(live, 'exit');
      await p;
      assert.ok(fs.existsSync(developmentSealPaths(dir2).certFile));
    } finally {
      live.kill('SIGKILL');
    }
  });
});
