/**
 * "Excel'e Aktar": a list as filtered, as a CSV that Turkish Excel opens as it is — UTF-8 with a BOM (else Excel
 * reads ANSI and the Turkish letters break), `;` between cells (the list separator of Turkish Windows, where `,` is
 * the decimal mark). Written page by page while the service's keyset pages are read, so a big export never sits in
 * memory, and bounded: at most EXPORT_MAX_ROWS rows, with a last line saying so when the list was longer.
 */
import type { Response } from 'express';
import type { Logger } from 'pino';
import { isGatewayError } from '../faults';
import { faultText } from './router';

export const EXPORT_MAX_ROWS = 100_000;
const BOM = '\uFEFF';

/**
 * One cell: a text that a spreadsheet would take for a formula (= + - @, or a tab/CR before one) is prefixed with
 * an apostrophe (OWASP's CSV injection advice), then quoted when it holds the separator, a quote or a line break.
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: ReadonlyArray<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(';')}\r\n`;
}

/** An amount as Turkish Excel reads a number: a decimal comma, no thousands separator. */
export function csvAmount(value: string): string {
  return value.replace('.', ',');
}

export interface CsvExport<T> {
  fileName: string;
  header: readonly string[];
  /** The rows in pages, as the list service gives them (the stream asks for the next page only when it needs it). */
  pages: AsyncIterable<readonly T[]>;
  cells(row: T): ReadonlyArray<string | number | null | undefined>;
  maxRows?: number;
  logger?: Logger;
}

/**
 * Streams the CSV to the response. The first page is read before anything is sent, so a fault there (a bad token)
 * is still an error page; a fault later ends the file with a line that says the export is incomplete.
 */
export async function streamCsv<T>(res: Response, x: CsvExport<T>): Promise<{ rows: number; cut: boolean }> {
  const max = x.maxRows ?? EXPORT_MAX_ROWS;
  const pages = x.pages[Symbol.asyncIterator]();
  let page = await pages.next();
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${x.fileName}"`);
  res.setHeader('Cache-Control', 'no-store');
  let closed = false;
  res.on('close', () => (closed = true));
  // Backpressure: the next page is read only once the client has taken this one (or has gone).
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  const write = async (chunk: string) => {
    if (!closed && !res.write(chunk)) await drained();
  };
  await write(BOM + csvLine(x.header));
  let rows = 0;
  let cut = false;
  try {
    while (!page.done && !closed) {
      let chunk = '';
      for (const row of page.value) {
        if (rows === max) {
          cut = true;
          break;
        }
        chunk += csvLine(x.cells(row));
        rows++;
      }
      await write(chunk);
      if (cut) break;
      // A turn of the event loop between pages: SQLite answers synchronously, and a long export must not hold up
      // everyone else's requests (nor this one's own socket) until its last page.
      await new Promise((resolve) => setImmediate(resolve));
      page = await pages.next();
    }
    if (cut) await write(csvLine([`Liste ${max.toLocaleString('tr-TR')} satırla sınırlandı: devamı bu dosyada yok. Tarih aralığını daraltıp yeniden aktarın.`]));
  } catch (err) {
    x.logger?.error({ err }, 'portal export failed');
    const why = isGatewayError(err) ? faultText(err) : 'SİSTEM HATASI';
    await write(csvLine([`Aktarım tamamlanamadı: ${why}. Dosya eksiktir.`]));
  } finally {
    await pages.return?.();
  }
  res.end();
  return { rows, cut };
}
