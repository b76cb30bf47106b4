import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config';
import { tempDir } from './helpers/db';

/** Configuration is checked once at start and fails there with a message that names the setting. */
describe('configuration', () => {
  it('embedded defaults: SQLite and blobs under the data directory, development seal, no GİB package', () => {
    const c = loadConfig({ GW_DATA_DIR: '/srv/gw' });
    expect(c).to.include({ databaseUrl: null, sqliteFile: '/srv/gw/gateway.sqlite', blobDir: '/srv/gw/blobs', gibDir: null, port: 8080 });
    expect(c.signing.defaultSigner).to.deep.equal({ type: 'dev' });
    expect(c.auth).to.include({ allowPasswordText: false, maxFailures: 10 });
    expect(c.http).to.deep.equal({ headersMs: 15_000, requestMs: 120_000, keepAliveMs: 5_000 });
    expect(loadConfig({ GW_HTTP_HEADERS_TIMEOUT_MS: '2000', GW_HTTP_REQUEST_TIMEOUT_MS: '3000', GW_HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' }).http).to.deep.equal({ headersMs: 2000, requestMs: 3000, keepAliveMs: 1000 });
  });

  it('with the built-in simulator every periodic duty runs within seconds; against GİB, at GİB\'s pace', () => {
    const sandbox = loadConfig({ GW_DATA_DIR: '/srv/gw' }).gib;
    expect(sandbox).to.include({ earsivReportEveryMs: 5_000, checkEveryMs: 2_000, tickMs: 1_000, pollAfterMs: 10_000, pollEveryMs: 10_000, userListSyncMs: 30_000 });
    const gib = loadConfig({ GW_DATA_DIR: '/srv/gw', GW_SIMULATOR: 'false', GW_GIB_EFATURA_URL: 'https://gib.example/EFatura', GW_GIB_EARSIV_URL: 'https://gib.example/EArsiv', GW_GIB_CANCEL_PORTAL_URL: 'https://gib.example/iptal', GW_GIB_EDEFTER_URL: 'https://gib.example/EDefter' }).gib;
    expect(gib).to.include({ earsivReportEveryMs: null, checkEveryMs: 300_000, tickMs: 10_000, pollAfterMs: 86_400_000, pollEveryMs: 18_000_000, userListSyncMs: 3_600_000 });
    expect(loadConfig({ GW_GIB_CHECK_EVERY_MS: '700' }).gib.checkEveryMs, 'a setting wins over either default').to.equal(700);
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    ['a non-postgres database URL', { GW_DATABASE_URL: 'mysql://x' }, /GW_DATABASE_URL/],
    ['a port out of range', { GW_PORT: '70000' }, /GW_PORT/],
    ['a boolean that is not one', { GW_AUTH_ALLOW_PASSWORD_TEXT: 'maybe' }, /GW_AUTH_ALLOW_PASSWORD_TEXT/],
    ['a GİB directory without GİB’s package', { GW_GIB_DIR: '/tmp' }, /GW_GIB_DIR/],
    ['an unknown signer', { GW_SIGNER: 'hsm' }, /GW_SIGNER/],
    ['a headers timeout longer than the request timeout', { GW_HTTP_HEADERS_TIMEOUT_MS: '5000', GW_HTTP_REQUEST_TIMEOUT_MS: '1000' }, /GW_HTTP_HEADERS_TIMEOUT_MS/],
    ['a request timeout of 0 (Node would then have none)', { GW_HTTP_REQUEST_TIMEOUT_MS: '0' }, /GW_HTTP_REQUEST_TIMEOUT_MS/],
    ['pkcs11 without a PIN file', { GW_SIGNER: 'pkcs11', GW_PKCS11_MODULE: '/x.so' }, /GW_PKCS11_PIN_FILE/],
    ['pkcs11 with a PIN file that is not there', { GW_SIGNER: 'pkcs11', GW_PKCS11_MODULE: '/x.so', GW_PKCS11_PIN_FILE: '/nonexistent/pin' }, /not a readable file/],
    ['a software key file that is not there', { GW_SIGNER: 'software', GW_SIGNER_KEY_FILE: '/nonexistent/k', GW_SIGNER_CERT_FILE: '/nonexistent/c' }, /GW_SIGNER_KEY_FILE/],
  ];
  for (const [what, env, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(() => loadConfig(env)).to.throw(ConfigError, message);
    });
  }

  it('accepts a PKCS#11 setting whose PIN file exists, and never holds the PIN itself', () => {
    const pinFile = path.join(tempDir('gw-cfg-'), 'pin');
    fs.writeFileSync(pinFile, '123456', { mode: 0o600 });
    const c = loadConfig({ GW_SIGNER: 'pkcs11', GW_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so', GW_PKCS11_TOKEN_LABEL: 'T', GW_PKCS11_PIN_FILE: pinFile });
    expect(c.signing.defaultSigner).to.include({ type: 'pkcs11', pinFile, tokenLabel: 'T' });
    expect(JSON.stringify(c)).not.to.contain('123456');
  });
});
