/**
 * The GİB package the simulator checks with, as GİB checks with its current one: a fixed folder (SIM_GIB_DIR, the
 * tests), or — embedded beside the gateway — whichever package the gateway has active, followed when `gib:package`
 * switches it, so that under `npm start` both refuse the same documents. Each part is built on first use and kept
 * for as long as the package stays the same.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadCodeLists, type CodeLists, type InvoiceValidator } from '../validation';
import { PACKAGE_PARTS, packageChecks } from '../validation/gib-package';
import { createXsdValidator, type XsdValidator } from '../validation/ubl-tr/xsd';

/** A package's root folder, or a function answering the current one (null: none, checks off). */
export type GibPackageSource = string | (() => string | null);

export interface SimulatorPackage {
  /** GİB's invoice checks (UBL-TR XSD and schematron). */
  invoiceChecks(): InvoiceValidator | null;
  /** GİB's code lists, for the application-response rules. */
  codeLists(): CodeLists | null;
  /** The e-Arşiv report's XSD, with libxml2 (it enforces EArsiv.xsd's xs:unique constraints). */
  earsivXsd(): XsdValidator | null;
  /** e-Defter's edefter.xsd (books and berats), with libxml2; null when the package has no e-Defter part. */
  edefterXsd(): XsdValidator | null;
  /** A WSDL of the package, when it has it. */
  wsdl(part: 'efaturaWsdl' | 'earsivWsdl'): string | null;
}

export function simulatorPackage(source: GibPackageSource | undefined, o: { maxXmlBytes: number; clock: () => Date }): SimulatorPackage {
  const dir = (): string | null => (typeof source === 'function' ? source() : source ?? null);
  let built: { dir: string; checks?: InvoiceValidator; codeLists?: CodeLists; earsivXsd?: XsdValidator; edefterXsd?: XsdValidator | null } | null = null;
  const current = () => {
    const d = dir();
    if (!d) return null;
    if (built?.dir !== d) built = { dir: d };
    return built;
  };
  return {
    invoiceChecks() {
      const p = current();
      return p ? (p.checks ??= packageChecks(p.dir, { maxUnzippedBytes: o.maxXmlBytes, now: o.clock })) : null;
    },
    codeLists() {
      const p = current();
      return p ? (p.codeLists ??= loadCodeLists(path.join(p.dir, PACKAGE_PARTS.schematron))) : null;
    },
    earsivXsd() {
      const p = current();
      return p ? (p.earsivXsd ??= createXsdValidator(path.join(p.dir, PACKAGE_PARTS.earsivXsd), { engine: 'libxml2', mainSchema: 'EArsiv.xsd' })) : null;
    },
    edefterXsd() {
      const p = current();
      if (!p) return null;
      if (p.edefterXsd === undefined) {
        const dir = path.join(p.dir, PACKAGE_PARTS.edefterXsd);
        p.edefterXsd = fs.existsSync(path.join(dir, 'edefter.xsd')) ? createXsdValidator(dir, { engine: 'libxml2', mainSchema: 'edefter.xsd' }) : null;
      }
      return p.edefterXsd;
    },
    wsdl(part) {
      const d = dir();
      const file = d ? path.join(d, PACKAGE_PARTS[part]) : null;
      return file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    },
  };
}
