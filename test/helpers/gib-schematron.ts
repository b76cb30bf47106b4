/**
 * GİB's invoice schematron as GİB runs it: compiled to XSLT with the ISO skeleton (XSLT 1 skeleton, run by Saxon-HE,
 * an XSLT 2 processor, which the rules need for matches() and xs:date; the xs prefix they use is declared in a copy).
 * For the differential test (test/validation/schematron.test.ts) and the validation benchmark.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as libxml from 'libxmljs2';
import { GIB_DIR } from './paths';

export const SAXON_JAR = process.env.GW_SAXON_JAR ?? '/usr/share/java/Saxon-HE.jar';
const SKELETON = process.env.GW_SCHEMATRON_SKELETON_DIR ?? '/usr/lib/python3/dist-packages/lxml/isoschematron/resources/xsl/iso-schematron-xslt1';
const SCHEMATRON_DIR = path.join(GIB_DIR, 'e-fatura-paketi', 'schematron');

/** Java, Saxon-HE and the skeleton are installed (scripts/test.sh installs them). */
export function saxonAvailable(): boolean {
  return spawnSync('java', ['-version']).status === 0 && fs.existsSync(SAXON_JAR) && fs.existsSync(path.join(SKELETON, 'iso_svrl_for_xslt1.xsl'));
}

/**
 * net.sf.saxon.Transform with these arguments; its stderr (Saxon's -t timings go there). Throws when it fails. In
 * Türkiye's time zone, as GİB runs its rules: current-date() (IssueDate not after today) is the JVM's day, and
 * between 21:00 and 24:00 UTC a Turkish today is tomorrow in UTC.
 */
export function saxon(args: string[]): string {
  const r = spawnSync('java', ['-Duser.timezone=Europe/Istanbul', '-cp', SAXON_JAR, 'net.sf.saxon.Transform', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stderr;
}

/** Compiles GİB's schematron into `work` and returns the XSLT's path (the input produces an SVRL report). */
export function compileGibSchematron(work: string): string {
  for (const f of fs.readdirSync(SCHEMATRON_DIR)) fs.copyFileSync(path.join(SCHEMATRON_DIR, f), path.join(work, f));
  const main = path.join(work, 'UBL-TR_Main_Schematron.xml');
  fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace('<sch:ns prefix="sh"', '<sch:ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>\n\t<sch:ns prefix="sh"'));
  return skeletonCompile(main, path.join(work, 'main'));
}

/** The ISO skeleton's three steps (include, abstract patterns, SVRL) on a schema; returns `<base>.xsl`. */
function skeletonCompile(sch: string, base: string): string {
  saxon([`-s:${sch}`, `-xsl:${path.join(SKELETON, 'iso_dsdl_include.xsl')}`, `-o:${base}.1.sch`]);
  saxon([`-s:${base}.1.sch`, `-xsl:${path.join(SKELETON, 'iso_abstract_expand.xsl')}`, `-o:${base}.2.sch`]);
  saxon([`-s:${base}.2.sch`, `-xsl:${path.join(SKELETON, 'iso_svrl_for_xslt1.xsl')}`, `-o:${base}.xsl`, 'allow-foreign=true']);
  return `${base}.xsl`;
}

const SCH = { sch: 'http://purl.oclc.org/dsdl/schematron' };

export interface GibAssertion {
  rule: string;
  /** 1-based position among the rule's assertions. */
  n: number;
  test: string;
  /** The text with each <sch:value-of>/<sch:name> as `\u0000`. */
  template: string;
}

/** The abstract rules a pattern of UBL-TR_Main_Schematron.xml and the general rules extend, in order. */
export function patternRuleIds(pattern: 'invoice' | 'applicationresponse'): string[] {
  const main = libxml.parseXml(fs.readFileSync(path.join(SCHEMATRON_DIR, 'UBL-TR_Main_Schematron.xml'), 'utf8'));
  const ids = (main.find(`//sch:pattern[@id='${pattern}']//sch:extends | /sch:schema/sch:rule//sch:extends`, SCH) as libxml.Element[])
    .map((e) => e.attr('rule')!.value());
  return [...new Set(ids)];
}

export const invoiceRuleIds = (): string[] => patternRuleIds('invoice');

/** Every active assertion of the invoice pattern's rules (UBL-TR_Common_Schematron.xml; commented-out ones are not rules). */
export function invoiceAssertions(): GibAssertion[] {
  return patternAssertions('invoice');
}

export function patternAssertions(pattern: 'invoice' | 'applicationresponse'): GibAssertion[] {
  const common = libxml.parseXml(fs.readFileSync(path.join(SCHEMATRON_DIR, 'UBL-TR_Common_Schematron.xml'), 'utf8'));
  const out: GibAssertion[] = [];
  for (const rule of patternRuleIds(pattern)) {
    const el = common.get(`//*[local-name()='rule'][@id='${rule}']`) as libxml.Element | null;
    if (!el) throw new Error(`rule ${rule} not found in UBL-TR_Common_Schematron.xml`);
    (el.find("*[local-name()='assert']") as libxml.Element[]).forEach((a, i) => {
      // A <sch:value-of select="string('…')"/> is its literal (InvoiceTypeCodeCheck ends with a newline that way).
      const part = (c: libxml.Node): string => {
        if (c.type() === 'text') return (c as libxml.Text).text();
        if (c.type() !== 'element') return '';
        const literal = /^string\('(.*)'\)$/s.exec((c as libxml.Element).attr('select')?.value() ?? '');
        return literal ? literal[1]! : '\u0000';
      };
      const template = a.childNodes().map(part).join('');
      out.push({ rule, n: i + 1, test: a.attr('test')!.value(), template });
    });
  }
  return out;
}

/**
 * An assertion's test as the compiled XSLT reports it in SVRL: the skeleton writes @test as an attribute value
 * template, so `{8}` comes out as `8`; braces, digits, commas and white space are left out of the key.
 */
function testKey(test: string): string {
  return test.replace(/\{[^}]*\}/g, '').replace(/[\s\d,{}]/g, '');
}

/** GİB's failed assertions in an SVRL report, each with the rules whose assertion it can be (by its test) and its text. */
export function svrlFailures(svrl: string, assertions: readonly GibAssertion[], others: 'throw' | 'drop' = 'throw'): GibFailure[] {
  const byTest = new Map<string, Set<string>>();
  for (const a of assertions) {
    const k = testKey(a.test);
    byTest.set(k, (byTest.get(k) ?? new Set()).add(a.rule));
  }
  const doc = libxml.parseXml(svrl);
  return (doc.find('//svrl:failed-assert', { svrl: 'http://purl.oclc.org/dsdl/svrl' }) as libxml.Element[]).flatMap((f) => {
    const test = f.attr('test')!.value();
    const rules = [...(byTest.get(testKey(test)) ?? [])];
    if (rules.length === 0 && others === 'throw') throw new Error(`no assertion of the rules asked for has the test ${test}`);
    return rules.length === 0 ? [] : [{ rules, text: f.text().replace(/\s+/g, ' ').trim() }];
  });
}

export type GibFailure = { rules: string[]; text: string };

/**
 * Failure by failure: each native failure (its rule id and text) pairs with one of GİB's of the same rule and the
 * same words (white space aside). What is left on either side is a difference; null when there is none.
 */
export function compareFailures(ours: ReadonlyArray<{ rule: string; message: string }>, gib: readonly GibFailure[]): { onlyOurs: Array<{ rule: string; text: string }>; onlyGib: GibFailure[] } | null {
  const unmatched = [...gib];
  const onlyOurs = ours.map((o) => ({ rule: o.rule, text: o.message.replace(/\s+/g, ' ').trim() })).filter((o) => {
    const i = unmatched.findIndex((g) => g.text === o.text && g.rules.includes(o.rule));
    if (i === -1) return true;
    unmatched.splice(i, 1);
    return false;
  });
  return onlyOurs.length > 0 || unmatched.length > 0 ? { onlyOurs, onlyGib: unmatched } : null;
}

/**
 * The assertions whose rule the native source does not name, or whose whole text (each <sch:value-of>/<sch:name>
 * a `${…}` of a template literal, white space aside) it does not hold; `exempt` keys are `Rule#n`.
 */
export function withoutNativeCounterpart(assertions: readonly GibAssertion[], nativeFiles: readonly string[], exempt: Readonly<Record<string, string>> = {}): string[] {
  const norm = (t: string): string => t.replace(/\s+/g, ' ');
  const native = norm(nativeFiles.map((f) => fs.readFileSync(f, 'utf8')).join('\n'));
  const missing: string[] = [];
  for (const a of assertions) {
    const key = `${a.rule}#${a.n}`;
    if (exempt[key]) continue;
    const text = norm(a.template).trim();
    const pattern = new RegExp(text.split('\u0000').map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\$\\{[^}]*\\}'));
    if (!native.includes(`'${a.rule}'`)) missing.push(`${key}: rule not named`);
    else if (!pattern.test(native)) missing.push(`${key}: ${JSON.stringify(text)}`);
  }
  return missing;
}

/**
 * Compiles one of GİB's e-Defter rule files (gib/edefter/sch) into `work`: they declare queryBinding xslt2, which the
 * XSLT 1 skeleton refuses, so a copy says xslt (and declares the xs prefix); the compiled stylesheet is then switched
 * to version 2.0, since in 1.0 compatibility mode Saxon compares dates as numbers (NaN) and fails every date rule.
 */
export function compileEdefterSchematron(name: 'edefter_yevmiye' | 'edefter_kebir' | 'edefter_berat' | 'edefter_rapor', work: string): string {
  const copy = path.join(work, `${name}.sch`);
  const text = fs.readFileSync(path.join(GIB_DIR, 'edefter', 'sch', `${name}.sch`), 'utf8');
  fs.writeFileSync(copy, text.replace('queryBinding="xslt2"', 'queryBinding="xslt"').replace('<ns prefix=', '<ns prefix="xs" uri="http://www.w3.org/2001/XMLSchema"/>\n\t<ns prefix='));
  const xsl = skeletonCompile(copy, path.join(work, name));
  const compiled = fs.readFileSync(xsl, 'utf8');
  const v2 = compiled.replace(/^(\s*)version="1\.0">/m, '$1version="2.0">');
  if (v2 === compiled) throw new Error(`${name}: the compiled stylesheet's version was not found`);
  fs.writeFileSync(xsl, v2);
  return xsl;
}
