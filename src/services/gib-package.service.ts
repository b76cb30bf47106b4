/**
 * The GİB package the invoice checks use, switched while the gateway runs. Every few seconds the data directory's
 * active.json is looked at (one stat); when `gib:package` installed another version, its XSDs are compiled and its
 * code lists read *beside* the current checks, and only then does the next SendInvoice use them. A request already
 * in its checks finishes with the package it started with, so a switch fails no request; a package that does not
 * load is logged and the current one stays.
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config';
import { activeChangedAt, activeGibPackage, describeGibPackage } from '../validation/gib-package';
import type { InvoiceValidator, ValidatedInvoice, ValidateOptions } from '../validation';

export interface ActiveGibPackage {
  id: string;
  date: string;
  /** `data`: installed with gib:package; `GW_GIB_DIR`: a folder named in the configuration. */
  origin: 'data' | 'GW_GIB_DIR';
  dir: string;
}

export interface GibPackageHolder {
  /** The package the next invoice is checked with; null: none, XSD and schematron checks are off. */
  current(): ActiveGibPackage | null;
  /** Checks with the current package; the result names the package that checked. */
  validator: { validate(input: Buffer, o: ValidateOptions): Promise<ValidatedInvoice & { gibPackage: string | null }> };
  /** Looks for a newly installed package now (the timer does it every checkEveryMs). */
  refresh(): void;
  stop(): void;
}

export function createGibPackageHolder(deps: {
  config: Pick<GatewayConfig, 'dataDir' | 'gibDir' | 'gibPackage'>;
  logger: Logger;
  /** Builds the checks for a package directory (null: none). */
  build: (dir: string | null) => InvoiceValidator;
}): GibPackageHolder {
  const { config, logger } = deps;
  const initial = ((): ActiveGibPackage | null => {
    if (!config.gibDir) return null;
    if (config.gibPackage.managed) {
      const info = activeGibPackage(config.dataDir);
      if (info) return { id: info.id, date: info.date, origin: 'data', dir: info.dir };
    }
    const d = describeGibPackage(config.gibDir);
    return { id: d.id, date: d.date, origin: 'GW_GIB_DIR', dir: config.gibDir };
  })();
  let active = { pkg: initial, checks: deps.build(initial?.dir ?? null) };
  let seen = config.gibPackage.managed ? activeChangedAt(config.dataDir) : 0;

  const refresh = () => {
    if (!config.gibPackage.managed) return;
    const changed = activeChangedAt(config.dataDir);
    if (changed === seen) return;
    seen = changed;
    const info = activeGibPackage(config.dataDir);
    if (!info || info.id === active.pkg?.id) return;
    try {
      const next = { pkg: { id: info.id, date: info.date, origin: 'data' as const, dir: info.dir }, checks: deps.build(info.dir) };
      const from = active.pkg?.id ?? null;
      active = next;
      logger.info({ gibPackage: info.id, date: info.date, from }, 'GİB package switched: invoices are now checked with it');
    } catch (err) {
      logger.error({ gibPackage: info.id, err: err instanceof Error ? err.message : String(err) }, 'GİB package could not be loaded; the current one stays');
    }
  };
  const timer = config.gibPackage.managed ? setInterval(refresh, config.gibPackage.checkEveryMs) : null;
  timer?.unref();

  return {
    current: () => active.pkg,
    validator: {
      async validate(input, o) {
        const { pkg, checks } = active; // this request's package, whatever a switch does meanwhile
        return { ...(await checks.validate(input, o)), gibPackage: pkg?.id ?? null };
      },
    },
    refresh,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
