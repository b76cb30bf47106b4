/**
 * What the Hizmetlerim pages share: the "Hesap Hemen Açılsın / Hesap İleri Tarihte Açılsın" choice of one service
 * (read into ActivateService's own plan item, so the portal and SOAP parse dates the same way), and what the
 * activation machine lets a service do next (the buttons follow the machine, not a copy).
 */
import { parsePlanItem, type PlanItem, type ServiceView } from '../../activation/activation.service';
import { GatewayError } from '../../faults';
import { activationMachine } from '../../machines';
import { turkishIsoWithOffset } from '../../turkish-time';
import { formatTime, html, type Html } from '../html';
import type { PortalContext } from '../router';

export const SERVICES_PATH = '/portal/ayarlar/hizmetlerim';

/** The events the activation machine accepts in a service's state. */
function eventsOf(state: string): string[] {
  const spec = (activationMachine.states as Record<string, { on?: Record<string, unknown> } | undefined>)[state];
  return Object.keys(spec?.on ?? {});
}

/** A service still waiting to open whose date can be changed (Müşteri İmzası Bekliyor, GİB'e Gönderimi Bekliyor). */
export function isWaitingToOpen(s: ServiceView): boolean {
  return eventsOf(s.state).includes('CHANGE_DATE');
}

/** A service whose contract waits for the company's mali mühür (the machine accepts its signature). */
export function isWaitingSignature(s: ServiceView): boolean {
  return eventsOf(s.state).includes('SIGN');
}

/** The row's colour: green when Aktif, red when the machine counts the state as failed (Hatalı, Başarısız). */
export function rowClass(s: ServiceView): string {
  const status = (activationMachine.states as Record<string, { status?: number } | undefined>)[s.state]?.status;
  return s.state === 'ACTIVE' ? 'ok' : status === -1 ? 'error' : '';
}

/** A service's Aktivasyon Tarihi as the pages show it: its date, or "Hesap Hemen Açılsın". */
export function whenText(s: ServiceView): string {
  return s.activationAt ? formatTime(s.activationAt) : 'Hesap Hemen Açılsın';
}

/** "15.01.2027 10:00" (as typed where a browser has no date-time picker) → "2027-01-15T10:00"; other text unchanged. */
function isoLocal(text: string): string {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})[ T](\d{2}):(\d{2})$/.exec(text);
  return m ? `${m[3]}-${m[2]}-${m[1]}T${m[4]}:${m[5]}` : text;
}

/** A date-time input's value in Turkish wall-clock time (what `tarih_*` fields hold). */
export function localInputValue(d: Date): string {
  return turkishIsoWithOffset(d).slice(0, 16);
}

/** One service's choice from the form (`zaman_<CODE>` hemen|ileri, `tarih_<CODE>`), as ActivateService's plan item. */
export function planItemOf(ctx: PortalContext, code: string, label: string): PlanItem {
  const when = ctx.field(`zaman_${code}`) ?? 'hemen';
  if (when === 'hemen') return parsePlanItem(code);
  const date = ctx.field(`tarih_${code}`);
  if (when !== 'ileri' || date === null) throw new GatewayError('PORTAL_INPUT', { field: `${label}: Hesap İleri Tarihte Açılsın için tarih ve saat` });
  return parsePlanItem(`${code}@${isoLocal(date)}`);
}

/** The two choices of one service and its date-time, as seed 003's "Hizmet Açılma Tarihi" page draws them. */
export function whenFields(code: string, label: string, at: Date | null, fallback: Date): Html {
  return html`<td><label><input type="radio" name="zaman_${code}" value="ileri"${at ? html` checked` : html``}> Hesap İleri Tarihte Açılsın</label>
<label><input type="radio" name="zaman_${code}" value="hemen"${at ? html`` : html` checked`}> Hesap Hemen Açılsın</label></td>
<td><input type="datetime-local" name="tarih_${code}" aria-label="${label} açılış tarihi ve saati" value="${localInputValue(at ?? fallback)}"></td>`;
}

/** The company as GİB will know it: seed 003's "Firma Bilgileri" block. */
export function companyDetails(c: { vkn: string; title: string; gbAlias: string; pkAlias: string }): Html {
  return html`<h2>Firma Bilgileri</h2><dl class="details company">
<dt>Ünvan</dt><dd>${c.title}</dd><dt>Vergi No</dt><dd>${c.vkn}</dd>
<dt>Etiket Türü</dt><dd>Posta Kutusu Birimi Etiketi</dd><dt>Etiket Bilgisi</dt><dd>${c.pkAlias}</dd>
<dt>Etiket Türü</dt><dd>Gönderici Birim Etiketi</dd><dt>Etiket Bilgisi</dt><dd>${c.gbAlias}</dd></dl>`;
}
