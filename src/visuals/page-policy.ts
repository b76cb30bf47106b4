/**
 * What every visual page is served with, and carries inside itself for when it is saved and opened from a file: no
 * scripts, no requests — the page is the invoice's own XSLT output, untrusted. Styles may be inline (GİB's
 * stylesheets write theirs in <style> and style=""), images only data: URLs (their logos and signatures).
 */
export const VISUAL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const LEADING = /^\s*(?:<\?xml[^>]*>\s*)?(?:<!DOCTYPE[^>]*>)?/i;

/**
 * The page with its character set and the policy as the first elements a browser reads: after any XML
 * declaration and doctype (before them the page would fall into quirks mode), before anything the XSLT wrote, so a
 * <script> anywhere in it already falls under the policy.
 */
export function withPagePolicy(html: string): string {
  const head = LEADING.exec(html)?.[0] ?? '';
  const meta = `<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${VISUAL_CSP}">`;
  return `${head}${meta}${html.slice(head.length)}`;
}
