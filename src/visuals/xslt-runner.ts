/**
 * Runs an invoice's own XSLT — untrusted input — safely. The engine is libxslt, the one GİB's stylesheets are
 * written for (measured against the alternatives in README, "Invoice visuals"), in a child process
 * (./xslt-child.py, Debian python3-lxml) that is the sandbox: no file or network access (libxslt's security
 * preferences), address-space and CPU limits, killed at the wall-clock limit, its output capped. Before it runs, the
 * stylesheet is parsed with the gateway's strict parser (a DTD is refused) and refused when it includes or imports
 * another stylesheet.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { GatewayError, isGatewayError } from '../faults';
import { DOCUMENT_LIMITS, parseXml, type XmlElement } from '../xml/parse';
import { createSlots } from './slots';

const XSL_NS = 'http://www.w3.org/1999/XSL/Transform';
const CHILD_SCRIPT = path.join(__dirname, 'xslt-child.py');

export interface XsltRunnerOptions {
  /** Debian's python3 with python3-lxml (GW_PYTHON). */
  python: string;
  /** Wall-clock limit of one transformation (GW_VISUAL_TIMEOUT_MS). */
  timeoutMs: number;
  /** Largest page a transformation may produce. */
  maxOutputBytes: number;
  /** Address space of the child (GİB's largest stylesheet needs ≈ 60 MB). */
  maxMemoryBytes: number;
  /** Children at once; more requests wait. */
  concurrency: number;
}

export const DEFAULT_XSLT_LIMITS = { maxOutputBytes: 16 * 1024 * 1024, maxMemoryBytes: 512 * 1024 * 1024, concurrency: 4 } as const;

/** xsl:include and xsl:import anywhere in the stylesheet: they would load files or URLs while it compiles. */
function findInclude(el: XmlElement): string | null {
  if (el.ns === XSL_NS && (el.local === 'include' || el.local === 'import')) return `xsl:${el.local}`;
  for (const c of el.children) {
    const found = findInclude(c);
    if (found) return found;
  }
  return null;
}

/** The stylesheet as the gateway's parser sees it; any refusal becomes VISUAL_XSLT_INVALID naming why. */
export function checkStylesheet(xslt: Buffer): void {
  let root: XmlElement;
  try {
    root = parseXml(xslt, DOCUMENT_LIMITS).root;
  } catch (err) {
    throw new GatewayError('VISUAL_XSLT_INVALID', { detail: isGatewayError(err) ? err.message : 'XML okunamadı' }, err);
  }
  const include = findInclude(root);
  if (include) throw new GatewayError('VISUAL_XSLT_INVALID', { detail: `${include} kullanılamaz` });
}

export interface XsltRunner {
  /** The page the stylesheet makes of the invoice (UTF-8 text). */
  transform(xslt: Buffer, xml: Buffer): Promise<string>;
}

export function createXsltRunner(opts: XsltRunnerOptions): XsltRunner {
  const slots = createSlots(opts.concurrency);
  return {
    async transform(xslt, xml) {
      checkStylesheet(xslt);
      return slots.run(() => runChild(opts, xslt, xml));
    },
  };
}

function runChild(opts: XsltRunnerOptions, xslt: Buffer, xml: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const cpuSeconds = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
    const child = spawn(opts.python, ['-I', CHILD_SCRIPT, String(opts.maxMemoryBytes), String(cpuSeconds), String(opts.maxOutputBytes)], {
      cwd: '/',
      env: { LANG: 'C.UTF-8' }, // nothing of the gateway's environment (secrets, proxies) reaches the child
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let outcome: GatewayError | null = null;
    const stop = (fault: GatewayError) => {
      outcome ??= fault;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new GatewayError('VISUAL_TIMEOUT', { seconds: Math.round(opts.timeoutMs / 100) / 10 })), opts.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > opts.maxOutputBytes) stop(new GatewayError('VISUAL_TOO_LARGE', { limit: opts.maxOutputBytes }));
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 4096) err += chunk.toString('utf8');
    });
    // A child that died early closes its stdin: the write's EPIPE is its exit's story, told below.
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new GatewayError('VISUAL_UNAVAILABLE', { detail: e.code === 'ENOENT' ? `${opts.python} bulunamadı` : 'XSLT işlemcisi başlatılamadı' }, e));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (outcome) return reject(outcome);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const why = err.split('\n')[0]?.trim() ?? '';
      if (code === 2) return reject(new GatewayError('VISUAL_XSLT_INVALID', { detail: why || 'dönüşüm başarısız' }));
      if (code === 3) return reject(new GatewayError('VISUAL_TOO_LARGE', { limit: opts.maxOutputBytes }));
      if (code === 4) return reject(new GatewayError('VISUAL_XSLT_INVALID', { detail: 'bellek sınırı aşıldı' }));
      // The CPU limit (SIGXCPU, then SIGKILL) is the time limit's backstop.
      if (signal === 'SIGXCPU' || signal === 'SIGKILL') return reject(new GatewayError('VISUAL_TIMEOUT', { seconds: cpuSeconds }));
      if (/ModuleNotFoundError|ImportError/.test(err)) return reject(new GatewayError('VISUAL_UNAVAILABLE', { detail: 'python3-lxml yüklü değil' }, new Error(err)));
      if (signal) return reject(new GatewayError('VISUAL_XSLT_INVALID', { detail: `dönüşüm yarıda kaldı (${signal})` }));
      reject(new GatewayError('INTERNAL', {}, new Error(`xslt child exited ${code}: ${err.slice(0, 500)}`)));
    });
    child.stdin.end(Buffer.concat([Buffer.from(`${xslt.length} ${xml.length}\n`), xslt, xml]));
  });
}
