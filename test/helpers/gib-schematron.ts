/**
 * GİB's invoice schematron as GİB runs it: compiled to XSLT with the ISO skeleton (XSLT 1 skeleton, run by Saxon-HE,
 * an XSLT 2 processor, which the rules need for matches() and xs:date; the xs prefix they use is declared in a copy).
 * For the differential test (test/validation/schematron.test.ts) and the validation benchmark.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { GIB_DIR } from './paths';

export const SAXON_JAR = process.env.GW_SAXON_JAR ?? '/usr/share/java/Saxon-HE.jar';
const SKELETON = process.env.GW_SCHEMATRON_SKELETON_DIR ?? '/usr/lib/python3/dist-packages/lxml/isoschematron/resources/xsl/iso-schematron-xslt1';
const SCHEMATRON_DIR = path.join(GIB_DIR, 'e-fatura-paketi', 'schematron');

/** Java, Saxon-HE and the skeleton are installed (scripts/test.sh installs them). */
export function saxonAvailable(): boolean {
  return spawnSync('java', ['-version']).status === 0 && fs.existsSync(SAXON_JAR) && fs.existsSync(path.join(SKELETON, 'iso_svrl_for_xslt1.xsl'));
}

/** net.sf.saxon.Transform with these arguments; its stderr (Saxon's -t timings go there). Throws when it fails. */
export function saxon(args: string[]): string {
  const r = spawnSync('java', ['-cp', SAXON_JAR, 'net.sf.saxon.Transform', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stderr;
}

/** Compiles GİB's schematron into `work` and returns the XSLT's path (the input produces an SVRL report). */
export function compileGibSchematron(work: string): string {
  for (const f of fs.readdirSync(SCHEMATRON_DIR)) fs.copyFileSync(path.join(SCHEMATRON_DIR, f), path.join(work, f));
  const main = path.join(work, 'UBL-TR_Main_Schematron.xml');
  fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace('<sch:ns prefix="sh"', '<sch:ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>\n\t<sch:ns prefix="sh"'));
  saxon([`-s:${main}`, `-xsl:${path.join(SKELETON, 'iso_dsdl_include.xsl')}`, `-o:${path.join(work, 'step1.sch')}`]);
  saxon([`-s:${path.join(work, 'step1.sch')}`, `-xsl:${path.join(SKELETON, 'iso_abstract_expand.xsl')}`, `-o:${path.join(work, 'step2.sch')}`]);
  saxon([`-s:${path.join(work, 'step2.sch')}`, `-xsl:${path.join(SKELETON, 'iso_svrl_for_xslt1.xsl')}`, `-o:${path.join(work, 'main.xsl')}`, 'allow-foreign=true']);
  return path.join(work, 'main.xsl');
}
