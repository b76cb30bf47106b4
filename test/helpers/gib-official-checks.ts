/**
 * What a gateway sent to GİB, judged by GİB's own files through engines that share no code with the gateway:
 * xmllint (libxml2) against GİB's XSDs, Saxon-HE running GİB's schematron (the e-Fatura package's, compiled as GİB
 * runs it, on the whole envelope so that the envelope's own rules apply too; the e-Arşiv report's
 * earsiv_schematron.xsl as GİB ships it), and xmlsec1 on every signature, chained to the gateways' roots.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnvelope } from '../../src/gib/protocol';
import { unpackDocument } from '../../src/zip/read';
import { validateGib, xmllint } from '../gib/helpers';
import { compileGibSchematron, saxon } from './gib-schematron';
import { GIB_DIR } from './paths';

export interface OfficialVerdicts {
  envelopes: number;
  documents: number;
  signatures: number;
  reports: number;
  /** Documents without a signature: `<envelope type> <root element>`. */
  unsigned: string[];
  /** Every refusal, naming the file and the tool; empty when GİB's files accept everything. */
  problems: string[];
}

const EARSIV_DIR = path.join(GIB_DIR, 'earsiv');

/** SVRL's failed assertions, as text. */
function failedAsserts(svrl: string): string[] {
  return [...svrl.matchAll(/<svrl:failed-assert[\s\S]*?<svrl:text>([\s\S]*?)<\/svrl:text>/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
}

function xmlsec(file: string, roots: readonly string[]): string | null {
  try {
    execFileSync('xmlsec1', ['--verify', '--enabled-key-data', 'x509', ...roots.flatMap((r) => ['--trusted-pem', r]),
      '--id-attr:Id', 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return null;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').filter((l) => /fail|error/i.test(l)).slice(0, 3).join(' | ');
  }
}

/**
 * Judges envelope ZIPs (as GİB received them) and e-Arşiv report ZIPs. `skip(xml)` leaves out what a test sent
 * wrong on purpose; `roots` are the PEM files the signatures must chain to.
 */
export async function judgeWithGibFiles(input: { envelopeZips: Buffer[]; reportZips: Buffer[]; roots: string[]; skip?: (xml: string) => boolean }): Promise<OfficialVerdicts> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-official-'));
  const out: OfficialVerdicts = { envelopes: 0, documents: 0, signatures: 0, reports: 0, unsigned: [], problems: [] };
  try {
    const envDir = path.join(work, 'envelopes');
    const repDir = path.join(work, 'reports');
    const svrlEnv = path.join(work, 'svrl-envelopes');
    const svrlRep = path.join(work, 'svrl-reports');
    for (const d of [envDir, repDir, svrlEnv, svrlRep]) fs.mkdirSync(d);

    for (const [i, zip] of input.envelopeZips.entries()) {
      const { xml } = await unpackDocument(zip, { container: 'zip', maxUnzippedBytes: 50 << 20 });
      if (input.skip?.(xml.toString('utf8'))) continue;
      const name = `e${String(i).padStart(4, '0')}.xml`;
      fs.writeFileSync(path.join(envDir, name), xml);
      out.envelopes++;
      const xsd = validateGib(xml);
      if (!xsd.ok) out.problems.push(`${name}: xmllint (GİB's envelope and UBL-TR schemas): ${xsd.output.trim().slice(0, 300)}`);
      const env = parseEnvelope(xml);
      for (const [j, el] of env.elements.entries()) {
        out.documents++;
        if (!el.document.includes('http://www.w3.org/2000/09/xmldsig#')) {
          out.unsigned.push(`${env.type} ${el.local}`);
          continue;
        }
        const file = path.join(work, `${name}-${j}.xml`);
        fs.writeFileSync(file, el.document);
        out.signatures++;
        const why = xmlsec(file, input.roots);
        if (why) out.problems.push(`${name} document ${j + 1} (${el.local}): xmlsec1: ${why}`);
      }
    }
    for (const [i, zip] of input.reportZips.entries()) {
      const { xml } = await unpackDocument(zip, { container: 'zip', maxUnzippedBytes: 50 << 20 });
      const name = `r${String(i).padStart(4, '0')}.xml`;
      fs.writeFileSync(path.join(repDir, name), xml);
      out.reports++;
      const xsd = xmllint(path.join(EARSIV_DIR, 'EArsiv.xsd'), xml);
      if (!xsd.ok) out.problems.push(`${name}: xmllint (EArsiv.xsd): ${xsd.output.trim().slice(0, 300)}`);
      out.signatures++;
      const why = xmlsec(path.join(repDir, name), input.roots);
      if (why) out.problems.push(`${name}: xmlsec1: ${why}`);
    }

    // Saxon once per kind, on the whole directory (one JVM).
    if (out.envelopes > 0) {
      fs.mkdirSync(path.join(work, 'schematron-build'));
      const mainXsl = compileGibSchematron(path.join(work, 'schematron-build'));
      saxon([`-s:${envDir}`, `-xsl:${mainXsl}`, `-o:${svrlEnv}`]);
      for (const f of fs.readdirSync(svrlEnv)) {
        for (const t of failedAsserts(fs.readFileSync(path.join(svrlEnv, f), 'utf8'))) out.problems.push(`${f}: GİB's schematron: ${t}`);
      }
    }
    if (out.reports > 0) {
      saxon([`-s:${repDir}`, `-xsl:${path.join(EARSIV_DIR, 'earsiv_schematron.xsl')}`, `-o:${svrlRep}`]);
      // GİB ships this one compiled, writing a failed assertion's text as plain text (no SVRL): any text is a refusal.
      for (const f of fs.readdirSync(svrlRep)) {
        const said = fs.readFileSync(path.join(svrlRep, f), 'utf8').replace(/^<\?xml[^>]*\?>/, '').replace(/\s+/g, ' ').trim();
        if (said !== '') out.problems.push(`${f}: GİB's e-Arşiv schematron: ${said}`);
      }
    }
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
