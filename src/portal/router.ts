/**
 * How a screen declares its pages: `r.get(path, handler)` / `r.post(path, handler)` under /portal, each handler
 * given the request's context — the session (a POST has passed the CSRF check), the services, and helpers that draw
 * the page in the layout or redirect with a message. Screens never see the session cookie or the CSRF token handling.
 */
import type { Request, Response, Router } from 'express';
import { GatewayError } from '../faults';
import type { PortalDeps } from './deps';
import type { Html } from './html';
import { page, type PageParts } from './layout';
import type { Flash, PortalSession, PortalSessions } from './session';

export interface PortalContext {
  req: Request;
  res: Response;
  session: PortalSession;
  deps: PortalDeps;
  /** Draws the page in the layout (status 200 unless given). */
  render(parts: PageParts, status?: number): Promise<void>;
  /** After an action: back to a page, with a message shown there once. */
  redirect(to: string, flash?: Flash): Promise<void>;
  /** A form field (urlencoded body) or a query parameter, trimmed; '' counts as absent. */
  field(name: string): string | null;
  query(name: string): string | null;
  /** All values of a repeated field (checkboxes). */
  fields(name: string): string[];
}

export type PortalHandler = (ctx: PortalContext) => Promise<void>;

export interface PortalRoutes {
  get(path: string, handler: PortalHandler): void;
  post(path: string, handler: PortalHandler): void;
}

/** A screen: registers its pages. */
export type PortalScreen = (r: PortalRoutes, deps: PortalDeps) => void;

function valuesOf(source: unknown, name: string): string[] {
  if (!source || typeof source !== 'object') return [];
  const v = (source as Record<string, unknown>)[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.trim()).filter((x) => x !== '');
}

export function contextFor(req: Request, res: Response, session: PortalSession, deps: PortalDeps, sessions: PortalSessions): PortalContext {
  return {
    req,
    res,
    session,
    deps,
    async render(parts, status = 200) {
      const balance = await deps.services.credits.balance(session.caller.tenantId, 0);
      sendHtml(res, page({ session, kontor: balance.metered ? balance.summary : null }, parts), status);
    },
    async redirect(to, flash) {
      if (flash) await sessions.flash(session.id, flash);
      res.redirect(303, to);
    },
    field: (name) => valuesOf(req.body, name)[0] ?? null,
    query: (name) => valuesOf(req.query, name)[0] ?? null,
    fields: (name) => valuesOf(req.body, name),
  };
}

export function sendHtml(res: Response, body: Html, status = 200): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store');
  res.send(body.text);
}

/** A file to save (UBL, PDF, an envelope): its name reduced to safe characters, never cached. */
export function sendDownload(res: Response, body: Buffer, contentType: string, fileName: string): void {
  res.status(200);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.send(body);
}

/** A fault as the portal shows it: the service's Turkish message and its code. */
export function faultText(err: GatewayError): string {
  return `${err.message} (${err.code})`;
}

/**
 * Runs an action that ends in a redirect; a fault of the services becomes an error message on `back` (the action
 * changed nothing: all or none). PORTAL_NOT_FOUND is rethrown so a page that does not exist stays a 404.
 */
export async function attempt(ctx: PortalContext, back: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (!(err instanceof GatewayError) || err.fault === 'PORTAL_NOT_FOUND') throw err;
    await ctx.redirect(back, { kind: 'error', text: faultText(err) });
  }
}

/** A required form field, or PORTAL_INPUT naming it. */
export function required(ctx: PortalContext, name: string, label = name): string {
  const v = ctx.field(name);
  if (v === null) throw new GatewayError('PORTAL_INPUT', { field: label });
  return v;
}

export function routesOn(router: Router, wrap: (handler: PortalHandler) => (req: Request, res: Response) => Promise<void>): PortalRoutes {
  return {
    get: (path, handler) => void router.get(path, wrap(handler)),
    post: (path, handler) => void router.post(path, wrap(handler)),
  };
}
