/**
 * The İPTAL stamp of a cancelled invoice: large, red, turned, over the whole page whatever its XSLT drew, and on
 * every printed page of the PDF (a fixed element repeats on each page when Chromium prints).
 */
const STAMP =
  '<div id="gw-iptal-damgasi" role="note" aria-label="Bu fatura iptal edilmiştir" style="position:fixed;top:0;left:0;width:100%;height:100%;' +
  'display:flex;align-items:center;justify-content:center;z-index:2147483647;pointer-events:none;margin:0;padding:0">' +
  '<div style="transform:rotate(-30deg);border:14px solid rgba(204,0,0,0.75);border-radius:24px;padding:8px 48px;' +
  "color:rgba(204,0,0,0.75);font:bold 160px/1.1 'DejaVu Sans',Arial,Helvetica,sans-serif;letter-spacing:12px;text-align:center;background:transparent\">" +
  'İPTAL<div style="font-size:28px;letter-spacing:2px">Bu fatura iptal edilmiştir</div></div></div>';

/** Where the last `</name>` end tag starts, or -1. */
function lastEndTag(html: string, name: string): number {
  let at = -1;
  for (const m of html.matchAll(new RegExp(`</${name}\\s*>`, 'gi'))) at = m.index;
  return at;
}

/** The page with the stamp as the last thing in its body (drawn above everything before it). */
export function withCancelStamp(html: string): string {
  const end = lastEndTag(html, 'body');
  const at = end >= 0 ? end : lastEndTag(html, 'html');
  return at >= 0 ? html.slice(0, at) + STAMP + html.slice(at) : html + STAMP;
}
