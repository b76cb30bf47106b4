import fs from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { SignerSetting } from '../config';
import { tenantById } from '../db/tenants';
import { GatewayError } from '../faults';
import { certificatesFrom } from '../signing/cert';
import { developmentSealPaths, ensureDevelopmentSeal } from '../signing/dev-seal';
import { createSigner, type Signer, type SignerConfig } from '../signing/signer';

/**
 * Which signer signs for which tenant. A tenant may have its own setting (tenants.signer_config, JSON of the same
 * shape as GW_SIGNER's); otherwise the gateway's default applies. In `dev` mode every tenant gets a development seal
 * of its own VKN, generated on first use. Signers are opened once and kept; one that fails is dropped so the next
 * job opens it again (a card that was pulled out and put back).
 */
export interface SignerRegistryOptions {
  db: Knex;
  defaultSigner: SignerSetting;
  devSealDir: string;
  trustedRoots: string[];
  clock: () => Date;
}

async function toSignerConfig(setting: SignerSetting, tenant: { vkn: string; title: string }, devSealDir: string): Promise<SignerConfig> {
  switch (setting.type) {
    case 'dev':
      return ensureDevelopmentSeal(path.join(devSealDir, tenant.vkn), { vkn: tenant.vkn, title: tenant.title });
    case 'software':
      return {
        type: 'software',
        keyFile: setting.keyFile,
        certFile: setting.certFile,
        chainFiles: setting.chainFiles,
        passphrase: setting.passphraseFile ? (await fs.readFile(setting.passphraseFile, 'utf8')).trim() : undefined,
      };
    case 'pkcs11':
      return { ...setting, type: 'pkcs11' };
  }
}

async function readCertificates(files: string[]): Promise<Buffer[]> {
  const certs: Buffer[] = [];
  for (const file of files) certs.push(...certificatesFrom(await fs.readFile(file).catch(() => Buffer.alloc(0))));
  return certs;
}

/** The signer kept under `key`, opened once; one that fails to open is forgotten, so the next use tries again. */
function opened<K>(cache: Map<K, Promise<Signer>>, key: K, open: () => Promise<Signer>): Promise<Signer> {
  let signer = cache.get(key);
  if (!signer) {
    signer = open();
    cache.set(key, signer);
    signer.catch(() => cache.delete(key));
  }
  return signer;
}

export function createSignerRegistry(opts: SignerRegistryOptions) {
  const open = new Map<number, Promise<Signer>>();
  const integrator = new Map<string, Promise<Signer>>();
  /** Each open signer's kind as configured: a development seal is a software key, but it is `dev` to its users. */
  const kinds = new Map<number, SignerSetting['type']>();
  let roots: Promise<Buffer[]> | null = null;
  /** Each tenant's development root, read once it exists (a seal is re-issued under the same root). */
  const devRoots = new Map<string, Buffer[]>();

  async function settingFor(tenantId: number): Promise<{ setting: SignerSetting; vkn: string; title: string }> {
    const row = await tenantById(opts.db, tenantId);
    if (!row) throw new GatewayError('DOCUMENT_NOT_FOUND');
    const own = row.signerConfig ? (JSON.parse(row.signerConfig) as SignerSetting) : null;
    return { setting: own ?? opts.defaultSigner, vkn: row.vkn, title: row.title };
  }

  return {
    async signerFor(tenantId: number): Promise<Signer> {
      return opened(open, tenantId, async () => {
        const { setting, vkn, title } = await settingFor(tenantId);
        kinds.set(tenantId, setting.type);
        return createSigner(await toSignerConfig(setting, { vkn, title }, opts.devSealDir), { now: opts.clock, lazy: true });
      });
    },

    /**
     * The integrator's own seal (what it signs in its own name: the USERENVELOPE's user-account documents). The
     * default setting with the integrator's identity; in `dev` mode a development seal of the integrator's VKN.
     */
    async integratorSigner(identity: { vkn: string; title: string }): Promise<Signer> {
      return opened(integrator, identity.vkn, async () => createSigner(await toSignerConfig(opts.defaultSigner, identity, opts.devSealDir), { now: opts.clock, lazy: true }));
    },

    /** The kind of the tenant's signer as configured (`dev`, `software`, `pkcs11`), once signerFor opened it. */
    configuredKind(tenantId: number): SignerSetting['type'] | undefined {
      return kinds.get(tenantId);
    },

    /** A signer that failed mid-operation is closed and forgotten; the next use opens it again. */
    async drop(tenantId: number): Promise<void> {
      const signer = open.get(tenantId);
      open.delete(tenantId);
      kinds.delete(tenantId);
      await signer?.then((s) => s.close()).catch(() => undefined);
    },

    /** Trusted roots for caller-signed documents: GW_TRUSTED_ROOTS, plus in dev mode the development roots. */
    async trustedRoots(): Promise<Buffer[]> {
      roots ??= (async () => {
        const files: string[] = [];
        for (const entry of opts.trustedRoots) {
          const stat = await fs.stat(entry);
          if (stat.isDirectory()) for (const f of await fs.readdir(entry)) files.push(path.join(entry, f));
          else files.push(entry);
        }
        return readCertificates(files);
      })();
      if (opts.defaultSigner.type !== 'dev') return roots;
      // Development roots appear as tenants get their first seal: the folder is listed each time (dev mode only), a
      // tenant's root file read once.
      const dev: Buffer[] = [];
      for (const vkn of await fs.readdir(opts.devSealDir).catch(() => [] as string[])) {
        let certs = devRoots.get(vkn);
        if (!certs) {
          certs = await readCertificates([developmentSealPaths(path.join(opts.devSealDir, vkn)).rootCertFile]);
          if (certs.length > 0) devRoots.set(vkn, certs); // not yet written: read again next time
        }
        dev.push(...certs);
      }
      return [...(await roots), ...dev];
    },

    async close(): Promise<void> {
      const all = [...open.values(), ...integrator.values()];
      open.clear();
      integrator.clear();
      await Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => undefined)));
    },
  };
}

export type SignerRegistry = ReturnType<typeof createSignerRegistry>;
