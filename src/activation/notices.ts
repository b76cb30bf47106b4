/**
 * The e-mails a tenant gets about its services (seed 003: "Hizmetler başarılı olarak Gelir İdaresi Başkanlığı
 * tarafında açıldığında ya da kapatıldığında ya da hesap açma-kapatma işleminin hata aldığı durumlarda … bilgilendirme
 * maili iletilmektedir"), worded like e-Logo's: the account, the VKN, the title and GİB's answer.
 */
import type { TenantRow } from '../db/tenants';
import { turkishIsoWithOffset } from '../turkish-time';
import { formatKurus } from './prices';
import { SERVICES, type ServiceCode } from './catalogue';

/** Turkish wall-clock time to the minute, as the notices print it (2026-12-06 23:04). */
const minute = (at: Date) => turkishIsoWithOffset(at).slice(0, 16).replace('T', ' ');

export interface Notice {
  subject: string;
  text: string;
}

const OUTCOMES: Record<string, { subject: (name: string) => string; line: (name: string) => string }> = {
  ACTIVE: { subject: (n) => `${n} hizmetiniz açıldı`, line: (n) => `${n} hizmeti açma işleminin sonucu aşağıdaki gibidir.` },
  ERROR: { subject: (n) => `${n} hizmeti açılamadı`, line: (n) => `${n} hizmeti açma işlemi hata aldı. Lütfen destek birimi ile iletişime geçiniz.` },
  OPEN_FAILED: { subject: (n) => `${n} hizmeti açılamadı`, line: (n) => `${n} hizmeti açma işlemi GİB'e iletilemedi (Hizmet Açılışı Başarısız).` },
  CLOSED: { subject: (n) => `${n} hizmetiniz kapatıldı`, line: (n) => `${n} hizmeti kapatma işleminin sonucu aşağıdaki gibidir.` },
  CLOSE_FAILED: { subject: (n) => `${n} hizmeti kapatılamadı`, line: (n) => `${n} hizmeti kapatma işlemi hata aldı (Hizmet Kapanışı Başarısız).` },
};

/** The notice for a service that has just reached `state`; null for a state nobody is told about. */
export function activationNotice(i: { tenant: Pick<TenantRow, 'vkn' | 'title'>; service: ServiceCode; state: string; context: Record<string, unknown>; at: Date }): Notice | null {
  const outcome = OUTCOMES[i.state];
  if (!outcome) return null;
  const name = SERVICES[i.service]?.name ?? i.service;
  const gibCode = typeof i.context.gibCode === 'number' ? i.context.gibCode : null;
  const gibText = typeof i.context.gibDescription === 'string' ? i.context.gibDescription : null;
  const answer = gibCode !== null ? `(${gibCode}) ${gibText ?? ''}`.trim() : gibText ?? (i.state === 'ACTIVE' || i.state === 'CLOSED' ? 'GİB hesabı gerekmeyen hizmet' : '-');
  const text =
    `${outcome.line(name)}\n\n` +
    `Vergi kimlik numarası: ${i.tenant.vkn}\n` +
    `Ünvan: ${i.tenant.title}\n` +
    `Hizmet: ${name}\n` +
    `Tarih: ${minute(i.at)}\n` +
    `GİB'ten gelen yanıt: ${answer}\n`;
  return { subject: outcome.subject(name), text };
}

/** The notice of a wire transfer (Havale/EFT) the operator confirmed: the order is paid, its services can be activated. */
export function wireConfirmedNotice(i: { tenant: Pick<TenantRow, 'vkn' | 'title'>; orderId: number; totalKurus: number; at: Date }): Notice {
  return {
    subject: 'Havale/EFT ödemeniz onaylandı',
    text:
      `${i.orderId} numaralı siparişinizin Havale/EFT ile yapılan ödemesi kontrol edilmiş ve onaylanmıştır.\n\n` +
      `Vergi kimlik numarası: ${i.tenant.vkn}\n` +
      `Ünvan: ${i.tenant.title}\n` +
      `Tutar: ${formatKurus(i.totalKurus)} TL\n` +
      `Tarih: ${minute(i.at)}\n\n` +
      'Sipariş ettiğiniz hizmetler Hizmetlerim sayfasında Aktivasyon Bekliyor durumundadır; aktivasyonu başlatabilirsiniz.\n',
  };
}
