/**
 * A local RFC 3161 timestamp authority for tests: OpenSSL's `ts -reply` behind a small HTTP server (POST
 * application/timestamp-query → application/timestamp-reply), with a TSA certificate made by `openssl req`; `verify`
 * checks a token with `openssl ts -verify`, independently of the gateway's code.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { tempDir } from './db';

export interface LocalTsa {
  url: string;
  certFile: string;
  /** Requests answered so far. */
  stamped: number;
  /** Whether `token` (DER TimeStampToken) is the TSA's over `sha256`, by `openssl ts -verify`. */
  verify(token: Buffer, sha256: Buffer): boolean;
  stop(): Promise<void>;
}

export async function startLocalTsa(): Promise<LocalTsa> {
  const dir = tempDir('gw-tsa-');
  const key = path.join(dir, 'tsa.key');
  const cert = path.join(dir, 'tsa.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=Test TSA - GERCEK DEGIL',
    '-addext', 'extendedKeyUsage=critical,timeStamping', '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  const cnf = path.join(dir, 'tsa.cnf');
  fs.writeFileSync(cnf, [
    '[ tsa ]', 'default_tsa = tsa1', '[ tsa1 ]', `serial = ${path.join(dir, 'serial')}`, 'crypto_device = builtin', `signer_cert = ${cert}`, `signer_key = ${key}`,
    'signer_digest = sha256', 'default_policy = 1.2.3.4.1', 'digests = sha256', 'accuracy = secs:1', 'ordering = no', 'tsa_name = no', 'ess_cert_id_chain = no', 'ess_cert_id_alg = sha256', '',
  ].join('\n'));
  let n = 0;
  const tsa = {
    url: '',
    certFile: cert,
    get stamped() {
      return n;
    },
    verify(token: Buffer, sha256: Buffer) {
      const file = path.join(dir, `token-${Date.now()}-${Math.random()}.der`);
      fs.writeFileSync(file, token);
      try {
        execFileSync('openssl', ['ts', '-verify', '-digest', sha256.toString('hex'), '-token_in', '-in', file, '-CAfile', cert], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    },
    stop: async () => new Promise<void>((r) => server.close(() => r())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = `${Date.now()}-${Math.random()}`;
      const q = path.join(dir, `${id}.tsq`);
      const r = path.join(dir, `${id}.tsr`);
      fs.writeFileSync(q, Buffer.concat(chunks));
      try {
        execFileSync('openssl', ['ts', '-reply', '-config', cnf, '-queryfile', q, '-out', r], { stdio: 'ignore' });
        n++;
        res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(fs.readFileSync(r));
      } catch {
        res.writeHead(500).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  return tsa;
}
