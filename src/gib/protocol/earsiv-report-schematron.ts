/**
 * GİB's e-Arşiv report schematron (gib/earsiv/earsiv_schematron.xsl, which GİB ships compiled) natively: its three
 * assertions, in the order its templates fire, each failure in GİB's own words. GİB runs it after EArsiv.xsd; the
 * simulator refuses a report that fails it with 1150 (src/simulator/earsiv.ts). XPath 1.0 meaning is kept: `a = 'x'`
 * holds when any node equals it, starts-with() reads the first node, values are compared as written.
 * test/gib/earsiv-report-schematron.test.ts holds it to GİB's stylesheet run by Saxon-HE.
 */
import type { XmlElement } from '../../xml/parse';
import { EARSIV_NS } from './earsiv-report';

/** The report entries the first assertion accepts. */
const ENTRIES = new Set(['fatura', 'faturaIptal', 'faturaItiraz', 'mustahsilMakbuz', 'mustahsilMakbuzIptal', 'serbestMeslekMakbuz', 'serbestMeslekMakbuzIptal',
  'serbestMeslekMakbuzItiraz', 'mRapor', 'ymRapor']);

export const EARSIV_SCHEMATRON_TEXTS = {
  entries: 'Dokümanda fatura , faturaIptal , faturaItiraz , mustahsilMakbuz , mustahsilMakbuzIptal , serbestMeslekMakbuz , serbestMeslekMakbuzIptal , serbestMeslekMakbuzItiraz , ymRapor ya da mRapor bulunmalıdır.',
  paymentDate: 'İnternet satışlarında ödeme şekli KAPIDAODEME ya da DIGER - " " değilse, ödeme tarihi zorunludur.',
  ytb: "Fatura tipi YTBSATIS, YTBISTISNA veya YTBIADE olduğunda 'ytbBilgileri' alanının bulunması zorunludur.",
} as const;

function kids(el: XmlElement, local: string): XmlElement[] {
  return el.children.filter((c) => c.ns === EARSIV_NS && c.local === local);
}

/** XPath string(): the element's text, its descendants' joined when it has element children. */
function str(el: XmlElement): string {
  return el.children.length === 0 ? el.text : el.children.map(str).join('');
}

/** GİB's text for each assertion the report fails; empty when it passes. */
export function earsivSchematronFailures(root: XmlElement): string[] {
  const out: string[] = [];
  const visit = (el: XmlElement, parent: XmlElement | null): void => {
    const isReport = (e: XmlElement | null): boolean => e !== null && e.ns === EARSIV_NS && e.local === 'eArsivRaporu';
    if (el.ns === EARSIV_NS) {
      if (el.local === 'eArsivRaporu') {
        if (!el.children.some((c) => c.ns === EARSIV_NS && ENTRIES.has(c.local))) out.push(EARSIV_SCHEMATRON_TEXTS.entries);
      } else if (el.local === 'fatura' && isReport(parent)) {
        const ytb = kids(el, 'faturaTip').some((t) => ['YTBSATIS', 'YTBISTISNA', 'YTBIADE'].includes(str(t)));
        if (ytb && kids(el, 'ytbBilgileri').length === 0) out.push(EARSIV_SCHEMATRON_TEXTS.ytb);
      } else if (el.local === 'internetSatisBilgi' && parent?.ns === EARSIV_NS && parent.local === 'fatura' && isReport(parent.parent)) {
        const ways = kids(el, 'odemeSekli');
        const ok = ways.some((w) => str(w) === 'KAPIDAODEME') || (ways.length > 0 && str(ways[0]!).startsWith('DIGER')) || kids(el, 'odemeTarihi').length > 0;
        if (!ok) out.push(EARSIV_SCHEMATRON_TEXTS.paymentDate);
      }
    }
    for (const c of el.children) visit(c, el);
  };
  visit(root, null);
  return out;
}
