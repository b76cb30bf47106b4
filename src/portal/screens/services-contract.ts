/**
 * After Aktivasyonu Başlat (seed 003): **Hizmet Bilgileri** — the company as GİB will know it and each service waiting
 * for the signature, with **XML'i Göster** (the HR-XML GİB will be sent for it) — then the contract page: **İndir**
 * (the XML to sign), how it is signed with the company's mali mühür (the `contract:sign` tool), and a form to upload
 * a contract signed elsewhere (SubmitActivationContract), answered with the tool's result lines.
 */
import { SERVICES, isServiceCode } from '../../activation/catalogue';
import type { ContractView } from '../../activation/activation.service';
import { GatewayError } from '../../faults';
import { html, type Html } from '../html';
import { attempt, faultText, type PortalContext, type PortalRoutes } from '../router';
import { companyDetails, SERVICES_PATH, whenText } from './services-form';
import { readUpload } from './services-upload';

export const INFO_PATH = `${SERVICES_PATH}/hizmet-bilgileri`;
export const CONTRACT_PATH = `${SERVICES_PATH}/sozlesme`;

/** A signed contract is the issued one plus an XAdES signature: far below this. */
const MAX_CONTRACT_BYTES = 2 * 1024 * 1024;

/** The contract waiting for the signature, or null (4706: nothing waits) — said on the page, not as an error. */
async function openContract(ctx: PortalContext): Promise<ContractView | null> {
  try {
    return await ctx.deps.services.activation.contract(ctx.session.caller);
  } catch (err) {
    if (err instanceof GatewayError && err.fault === 'CONTRACT_NOT_FOUND') return null;
    throw err;
  }
}

function noContract(): Html {
  const err = new GatewayError('CONTRACT_NOT_FOUND');
  return html`<p class="unavailable">${faultText(err)}: müşteri imzası bekleyen hizmetiniz yok. Aktivasyon <a href="${SERVICES_PATH}">Hizmetlerim</a> sayfasından başlatılır.</p>`;
}

/** Sends an XML document as a file to save. */
function download(ctx: PortalContext, name: string, xml: Buffer | string): void {
  ctx.res.status(200).setHeader('Cache-Control', 'no-store');
  ctx.res.type('application/xml; charset=utf-8').attachment(name).send(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml);
}

export function contractPages(r: PortalRoutes): void {
  r.get('/ayarlar/hizmetlerim/hizmet-bilgileri', async (ctx) => {
    const c = await openContract(ctx);
    const body = c
      ? html`${companyDetails(c.company)}<h2>Hizmet Bilgileri</h2>
<table class="list contract-services"><thead><tr><th>Hizmet Adı</th><th>İşlem</th><th>Hizmet Açılma Tarihi</th><th></th></tr></thead><tbody>${c.services.map(
          (s) => html`<tr data-service="${s.service}"><td>${s.name}</td><td>${s.operation}</td><td>${whenText(s)}</td><td>${
            s.gibXml ? html`<a href="${INFO_PATH}/xml/${s.service}">XML'i Göster</a>` : html`<span>GİB'e belge gönderilmez</span>`
          }</td></tr>`,
        )}</tbody></table>
<p>Firma bilgileri ve açılışı yapılacak hizmetler kontrol edildikten sonra <strong>İlerle</strong> ile devam ediniz. Hatalı bir bilgi varsa entegratörünüze bildiriniz.</p>
<div class="actions"><a class="button" href="${CONTRACT_PATH}">İlerle</a> <a class="button secondary" href="${SERVICES_PATH}">Hizmetlerim</a></div>`
      : noContract();
    await ctx.render({ title: 'Hizmetler', menu: 'hizmetlerim', body });
  });

  // XML'i Göster: the HR-XML ProcessUserAccount of one service of the contract, escaped in the page or as a file.
  r.get('/ayarlar/hizmetlerim/hizmet-bilgileri/xml/:service', async (ctx) => {
    const code = String(ctx.req.params.service ?? '').toUpperCase();
    const c = isServiceCode(code) ? await openContract(ctx) : null;
    const s = c?.services.find((x) => x.service === code);
    if (!s?.gibXml) throw new GatewayError('PORTAL_NOT_FOUND');
    if (ctx.query('indir') !== null) return download(ctx, `${code}-${c!.contractId}.xml`, s.gibXml);
    await ctx.render({
      title: `${SERVICES[s.service].name} — XML`,
      menu: 'hizmetlerim',
      body: html`<p>${s.operation}: GİB'e entegratörün mali mührü ile imzalanarak gönderilecek kullanıcı hesabı belgesi (HR-XML ProcessUserAccount).</p>
<pre class="xml">${s.gibXml}</pre>
<div class="actions"><a class="button" href="${INFO_PATH}/xml/${code}?indir=1">İndir</a> <a class="button secondary" href="${INFO_PATH}">Geri</a></div>`,
    });
  });

  r.get('/ayarlar/hizmetlerim/sozlesme', async (ctx) => {
    const c = await openContract(ctx);
    if (!c) return ctx.render({ title: 'Sözleşme', menu: 'hizmetlerim', body: noContract() });
    const soapUrl = `${ctx.req.protocol}://${ctx.req.get('host') ?? 'entegrator.example'}/soap/gateway`;
    await ctx.render({
      title: 'Sözleşme',
      menu: 'hizmetlerim',
      body: html`<dl class="details"><dt>Sözleşme No</dt><dd class="contract-id">${c.contractId}</dd><dt>Bekleyen hizmetler</dt><dd>${c.services.map(
        (s) => html`<div>${s.operation} — ${whenText(s)}</div>`,
      )}</dd></dl>
<div class="actions"><a class="button" href="${CONTRACT_PATH}/indir">İndir</a></div>
<h2>Mali mühür ile imzalama</h2>
<p>İmzalanacak elektronik sözleşme firmanızın <strong>mali mührü</strong> ile imzalanmalıdır. Mali mühür takılı bilgisayarda
<code>contract:sign</code> aracı sözleşmeyi indirir, gösterir, karttaki sertifikaları listeler, PIN'i sorar, sözleşmeyi kartta
imzalar ve entegratöre gönderir (web servis kullanıcı adı ve şifresi ile):</p>
<pre class="command">npm run cli -- contract:sign --url ${soapUrl} --username ${ctx.session.caller.username} --password-file SIFRE-DOSYASI \\
  --module /usr/lib/libakisp11.so [--token-label ETIKET | --slot N] [--cert ETIKET-VEYA-NUMARA] [--pin-file PIN-DOSYASI] [--list]</pre>
<p>Sözleşme başka bir araçla (XAdES, enveloped) imzalandıysa imzalı dosyayı buradan yükleyebilirsiniz. Sözleşme yalnızca
firmanın kendi VKN/TCKN'sini taşıyan, güvenilir bir köke bağlı mali mühür ile ve düzenlendiği haliyle imzalanmışsa kabul edilir.</p>
<form class="upload" method="post" enctype="multipart/form-data" action="${CONTRACT_PATH}/yukle?_csrf=${ctx.session.csrfToken}">
<label>İmzalı sözleşme (XML) <input type="file" name="sozlesme" accept=".xml,application/xml,text/xml"></label>
<label>veya imzalı XML'i yapıştırın <textarea name="sozlesmeMetni" rows="4" cols="80"></textarea></label>
<div class="actions"><button type="submit">İmzalı Sözleşmeyi Gönder</button> <a class="button secondary" href="${INFO_PATH}">Geri</a></div></form>`,
    });
  });

  r.get('/ayarlar/hizmetlerim/sozlesme/indir', async (ctx) => {
    const c = await openContract(ctx);
    if (!c) throw new GatewayError('CONTRACT_NOT_FOUND');
    download(ctx, `aktivasyon-sozlesmesi-${c.contractId}.xml`, c.contract);
  });

  // The signed contract: verified and accepted by the activation service, answered with one line per service.
  r.post('/ayarlar/hizmetlerim/sozlesme/yukle', async (ctx) => {
    await attempt(ctx, CONTRACT_PATH, async () => {
      const signed = await readUpload(ctx.req, { file: 'sozlesme', text: 'sozlesmeMetni', maxBytes: MAX_CONTRACT_BYTES });
      if (!signed) throw new GatewayError('PORTAL_INPUT', { field: 'imzalı sözleşme dosyası' });
      const result = await ctx.deps.services.activation.submitContract(ctx.session.caller, signed);
      await ctx.redirect(SERVICES_PATH, { kind: 'ok', text: `İmzalama işlemi sonucu (sözleşme ${result.contractId}):\n${result.results.join('\n')}` });
    });
  });
}
