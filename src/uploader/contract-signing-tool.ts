/**
 * The customer's side of service activation (seed 003's desktop "E-Logo Hizmet Aktivasyon" tool; `npm run cli --
 * contract:sign`): logs in to the gateway with the company's web-service credentials, downloads the electronic
 * contract waiting for its signature (GetActivationContract) and shows what it says — the company as GİB will know
 * it and "Bekleyen hizmetler", each with its opening date — lists the certificates on the company's mali mühür
 * (the CryptoToken (PKCS#11) dialog: Subject, Issuer, Valid from, Valid to, Algorithm), picks one, opens the card
 * with its PIN ("KARTI AÇ"), signs the contract (XAdES, enveloped) and uploads it (SubmitActivationContract),
 * answering with the gateway's line per service ("e-Fatura Hizmeti açma. Sonuç: Başarılı").
 *
 * It is a client: it knows the gateway only by its URL and a user's credentials, and keeps nothing. The PIN is
 * asked only once a certificate is chosen, goes to the token and nowhere else, and nothing is uploaded unless the
 * signature was made.
 */
import fsp from 'node:fs/promises';
import { signContract, CONTRACT_NS } from '../activation/contract';
import { gatewayClient, soapFaultOf } from './gateway-client';
import { GatewayError } from '../faults';
import { certInfo, type CertInfo } from '../signing/cert';
import { listTokenCertificates } from '../signing/pkcs11';
import { createSigner, type Pkcs11SignerConfig, type Signer } from '../signing/signer';
import { parseXml } from '../xml/parse';
import { childrenNamed, attrValue, firstChild, textContent } from '../xml/query';

/** A fault the gateway answered with: its code and Turkish text, as they came. */
export class GatewayFault extends Error {
  override name = 'GatewayFault';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Something the person running the tool must do differently (choose a certificate, give a PIN…): no code. */
export class ContractToolError extends Error {
  override name = 'ContractToolError';
}

export interface ContractSignOptions {
  /** The gateway's SOAP endpoint (its WSDL is at `?wsdl`). */
  url: string;
  username: string;
  password: string;
  /** The PKCS#11 module (the seed's "Kart Kütüphanesi", e.g. akisp11.dll / libakisp11.so). */
  module: string;
  tokenLabel?: string;
  slot?: number;
  /** A certificate's CKA_LABEL, or its number in the printed list (1, 2, …). */
  cert?: string;
  /** Stop after listing the certificates. */
  listOnly?: boolean;
  /** Asked once a certificate is chosen ("KARTI AÇ"). The PIN goes to the token only. */
  readPin: () => Promise<string>;
  /** One line of output. */
  print: (line: string) => void;
  /** Opens the signer on the chosen certificate (default createSigner; tests wrap the real one). */
  openSigner?: (config: Pkcs11SignerConfig) => Promise<Signer>;
}

export interface ContractSignOutcome {
  contractId: string;
  /** The gateway's result lines; empty when only listing. */
  results: string[];
  submitted: boolean;
}

export interface TokenCertificate {
  /** Its number in the list, from 1. */
  index: number;
  slot: number;
  tokenLabel: string;
  label: string;
  id: string;
  info: CertInfo;
}

interface ContractContent {
  contractId: string;
  company: { vkn: string; title: string; gbAlias: string; pkAlias: string };
  services: Array<{ code: string; operation: string; when: string }>;
}

const list = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : ([v].flat() as T[]));

/** dd.MM.yyyy (and HH:mm) in Turkish time, as the seed's screens write dates. */
function turkishDate(d: Date, withTime: boolean): string {
  const t = new Date(d.getTime() + 3 * 3600_000).toISOString();
  const date = `${t.slice(8, 10)}.${t.slice(5, 7)}.${t.slice(0, 4)}`;
  return withTime ? `${date} ${t.slice(11, 16)}` : date;
}

/** What the contract itself says (the customer signs the document, so that is what is shown). */
function readContract(xml: Buffer): ContractContent {
  const doc = parseXml(xml);
  const root = doc.root;
  if (root.ns !== CONTRACT_NS || root.local !== 'AktivasyonSozlesmesi') throw new ContractToolError('entegratörün gönderdiği belge bir aktivasyon sözleşmesi değil');
  const text = (parent: typeof root | undefined, local: string) => {
    const el = parent ? firstChild(parent, CONTRACT_NS, local) : undefined;
    return el ? textContent(doc, el).trim() : '';
  };
  const firma = firstChild(root, CONTRACT_NS, 'Firma');
  const hizmetler = firstChild(root, CONTRACT_NS, 'Hizmetler');
  return {
    contractId: text(root, 'SozlesmeNo'),
    company: { vkn: text(firma, 'VKN'), title: text(firma, 'Unvan'), gbAlias: text(firma, 'GondericiBirimEtiketi'), pkAlias: text(firma, 'PostaKutusuEtiketi') },
    services: (hizmetler ? childrenNamed(hizmetler, CONTRACT_NS, 'Hizmet') : []).map((h) => {
      const at = text(h, 'AcilisTarihi');
      const date = /^\d{4}-\d\d-\d\dT/.test(at) ? new Date(at) : null;
      return {
        code: attrValue(h, 'kod') ?? '',
        operation: text(h, 'Islem') || text(h, 'Ad'),
        when: date && !Number.isNaN(date.getTime()) ? `Hesap İleri Tarihte Açılsın: ${turkishDate(date, true)}` : 'Hesap Hemen Açılsın',
      };
    }),
  };
}

function commonName(c: CertInfo, which: 'subject' | 'issuer'): string {
  // Node's X509Certificate prints names one attribute a line ("CN=…"); the last CN is the most specific.
  const cn = c.x509[which]
    .split('\n')
    .filter((l) => l.startsWith('CN='))
    .pop();
  return cn ? cn.slice(3) : c[which];
}

function algorithm(c: CertInfo): string {
  const key = c.x509.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return `RSA (${d.modulusLength ?? '?'} bits)`;
  if (key.asymmetricKeyType === 'ec') return `EC (${d.namedCurve ?? '?'})`;
  return String(key.asymmetricKeyType ?? '?').toUpperCase();
}

/** The fault of a node-soap error, or null when the gateway did not answer with one. */
function gatewayFaultOf(err: unknown): GatewayFault | null {
  const f = soapFaultOf(err);
  return f ? new GatewayFault(f.code, f.message) : null;
}

async function call<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const fault = gatewayFaultOf(err);
    if (fault) throw fault;
    throw new ContractToolError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The certificates on the token(s), numbered as printed. */
export async function tokenCertificates(opts: Pick<ContractSignOptions, 'module' | 'tokenLabel' | 'slot'>): Promise<{ tokens: number; certificates: TokenCertificate[] }> {
  const tokens = await listTokenCertificates({ module: opts.module, tokenLabel: opts.tokenLabel, slot: opts.slot });
  const certificates: TokenCertificate[] = [];
  for (const t of tokens) {
    for (const c of t.certificates) certificates.push({ index: certificates.length + 1, slot: t.slot, tokenLabel: t.tokenLabel, label: c.label, id: c.id, info: certInfo(c.der) });
  }
  return { tokens: tokens.length, certificates };
}

function describeCert(c: TokenCertificate): string {
  return (
    `${c.index}. Subject: ${commonName(c.info, 'subject')} | Issuer: ${commonName(c.info, 'issuer')} | ` +
    `Valid from: ${turkishDate(c.info.notBefore, false)} | Valid to: ${turkishDate(c.info.notAfter, false)} | ` +
    `Algorithm: ${algorithm(c.info)} | VKN/TCKN: ${c.info.vknTckn ?? '-'}`
  );
}

/**
 * The certificate to sign with: the one asked for (`--cert`: its number or CKA_LABEL), the only one there is, or
 * the one that carries the company's VKN/TCKN. Says why.
 */
export function chooseCertificate(certs: TokenCertificate[], wanted: string | undefined, companyVkn: string, now = new Date()): { cert: TokenCertificate; why: string } {
  if (wanted !== undefined) {
    const byIndex = /^\d{1,3}$/.test(wanted) ? certs.filter((c) => c.index === Number(wanted)) : [];
    const found = byIndex.length ? byIndex : certs.filter((c) => c.label === wanted);
    if (found.length === 1) return { cert: found[0]!, why: '--cert ile seçildi' };
    if (found.length > 1) throw new ContractToolError(`"${wanted}" etiketli ${found.length} sertifika var: numarasıyla seçin (--cert 1, 2, …)`);
    throw new ContractToolError(`kartta "${wanted}" diye bir sertifika yok`);
  }
  if (certs.length === 1) return { cert: certs[0]!, why: 'karttaki tek sertifika' };
  const own = certs.filter((c) => c.info.vknTckn === companyVkn);
  if (own.length === 1) return { cert: own[0]!, why: `firmanın VKN/TCKN'si ${companyVkn} bu sertifikada` };
  // A renewed seal next to the expired one: the one valid today.
  const valid = own.filter((c) => c.info.notBefore.getTime() <= now.getTime() && now.getTime() <= c.info.notAfter.getTime());
  if (own.length > 1 && valid.length === 1) return { cert: valid[0]!, why: `firmanın VKN/TCKN'si ${companyVkn} bu sertifikada, geçerli olan tek sertifika` };
  throw new ContractToolError(
    own.length > 1
      ? `firmanın VKN/TCKN'sini (${companyVkn}) taşıyan ${own.length} sertifika var: --cert ile seçin`
      : `kartta ${certs.length} sertifika var, hiçbiri firmanın VKN/TCKN'sini (${companyVkn}) taşımıyor: --cert ile seçin`,
  );
}

export async function signActivationContract(opts: ContractSignOptions): Promise<ContractSignOutcome> {
  const { print } = opts;
  const client = await call('entegratöre bağlanılamadı', gatewayClient(opts));

  // "İNDİR": the contract, and what it says.
  const [res] = await call('GetActivationContract', client.GetActivationContractAsync({}) as Promise<[{ company: { vkn: string }; contractId: string; contract: string }]>);
  const xml = Buffer.from(String(res.contract ?? ''), 'base64');
  const contract = readContract(xml);
  if (contract.contractId !== String(res.contractId) || contract.company.vkn !== String(res.company?.vkn)) {
    throw new ContractToolError('sözleşme entegratörün bildirdiği firma veya sözleşme numarasıyla uyuşmuyor');
  }
  print('Firma Bilgileri');
  print(`  Ünvan: ${contract.company.title}`);
  print(`  Vergi No: ${contract.company.vkn}`);
  print(`  Gönderici Birim Etiketi: ${contract.company.gbAlias}`);
  print(`  Posta Kutusu Birimi Etiketi: ${contract.company.pkAlias}`);
  print(`Sözleşme No: ${contract.contractId}`);
  print('Bekleyen hizmetler');
  for (const s of contract.services) print(`  ${s.operation} — ${s.when}`);

  // The CryptoToken (PKCS#11) dialog.
  const { tokens, certificates } = await tokenCertificates(opts);
  if (tokens === 0) throw new GatewayError('SIGNER_TOKEN_ABSENT', {}, 'CKR_TOKEN_NOT_PRESENT');
  print(`CryptoToken (PKCS#11) — Kart Kütüphanesi: ${opts.module}`);
  let lastToken = '';
  for (const c of certificates) {
    const token = `${c.slot}\0${c.tokenLabel}`;
    if (token !== lastToken) print(`  Slot ${c.slot}: ${c.tokenLabel}`);
    lastToken = token;
    print(`    ${describeCert(c)}`);
  }
  if (certificates.length === 0) throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'CKO_CERTIFICATE');
  if (opts.listOnly) return { contractId: contract.contractId, results: [], submitted: false };

  const { cert, why } = chooseCertificate(certificates, opts.cert, contract.company.vkn);
  print(`Seçilen sertifika: ${cert.index}. ${commonName(cert.info, 'subject')} (${why})`);
  // The gateway accepts only the company's own seal (4709): say so before the card is opened, not after.
  if (cert.info.vknTckn !== contract.company.vkn) {
    throw new GatewayError('CONTRACT_SIGNER', { detail: `sertifikadaki VKN/TCKN ${cert.info.vknTckn ?? 'yok'}, firmanınki ${contract.company.vkn}` });
  }

  // "KARTI AÇ".
  const pin = await opts.readPin();
  const config: Pkcs11SignerConfig = {
    type: 'pkcs11',
    module: opts.module,
    slot: cert.slot,
    tokenLabel: cert.tokenLabel,
    ...(cert.id ? { keyId: cert.id } : { keyLabel: cert.label }),
    pin,
    sessions: 1,
  };
  const signer = await (opts.openSigner ?? createSigner)(config);
  let signed: Buffer;
  try {
    // The signature must be the chosen certificate's (the key is found by the certificate's CKA_ID).
    const [leaf] = await signer.certificateChain();
    if (!leaf || !certInfo(leaf).sha256.equals(cert.info.sha256)) throw new GatewayError('SIGNER_KEY_NOT_FOUND', {}, 'KEY_CERT_MISMATCH');
    signed = await signContract(xml, signer);
  } finally {
    await signer.close();
  }

  // Uploaded only now that it is signed.
  const [done] = await call('SubmitActivationContract', client.SubmitActivationContractAsync({ contract: signed.toString('base64') }) as Promise<[{ contractId: string; result: string | string[] }]>);
  const results = list(done.result).map(String);
  print('İmzalama işlemi sonucu');
  for (const r of results) print(`  ${r}`);
  return { contractId: String(done.contractId), results, submitted: true };
}

// ---------------------------------------------------------------------------------------------------------------
// The PIN ("KARTI AÇ"): from a file, a hidden prompt on a terminal, or one line of standard input. Never echoed,
// never written anywhere.

export const PIN_PROMPT = "KARTI AÇ — mali mühür PIN'i: ";

/** The PIN in a file (one line; a trailing newline is not part of it). */
export async function pinFromFile(file: string): Promise<string> {
  try {
    return (await fsp.readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new ContractToolError(`PIN dosyası okunamadı: ${file} (${(err as NodeJS.ErrnoException).code ?? 'okunamadı'})`);
  }
}

/** Asks on a terminal with echo off (raw mode): nothing typed is shown. Ctrl-C cancels. */
export function pinFromTerminal(input: NodeJS.ReadStream & { setRawMode(mode: boolean): unknown }, output: NodeJS.WritableStream): Promise<string> {
  // Echo off before the prompt shows: nothing typed after it reaches the screen.
  input.setRawMode(true);
  output.write(PIN_PROMPT);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let pin = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(pin);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new ContractToolError('PIN girilmedi (iptal edildi)'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') pin = pin.slice(0, -1);
        else pin += ch;
      }
    };
    input.on('data', onData);
  });
}

/** The first line of a (non-terminal) input: a PIN piped in by a script. */
export function pinFromStream(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<string> {
  output.write(`${PIN_PROMPT}\n`);
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      if (err) reject(err);
      else resolve(text.replace(/\r?\n[\s\S]*$/, ''));
    };
    const onData = (d: Buffer | string) => {
      text += d.toString();
      if (text.includes('\n')) done();
    };
    const onEnd = () => (text ? done() : done(new ContractToolError('PIN girilmedi (standart girdi boş)')));
    const onError = (e: Error) => done(e);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
