/**
 * The identifiers that travel between the gateway, the ERP and GİB, as branded types: a plain string cannot be
 * passed where an Ettn is expected, so every id is normalised exactly once, where it enters (a SOAP argument, a
 * document read, a file name GİB sent, a CLI flag), and compared as stored everywhere else.
 *
 * A UUID's case carries no meaning (RFC 4122 §3), so ETTNs and envelope ids are kept in lower case; GİB's samples
 * and our envelopes write envelope ids in upper case, which is how they are shown (displayEnvelopeId).
 */
declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

/** An invoice's ETTN (cbc:UUID), lower case. */
export type Ettn = Branded<string, 'Ettn'>;
/** A GİB envelope's id (InstanceIdentifier, the `<id>.zip` name), lower case. */
export type EnvelopeId = Branded<string, 'EnvelopeId'>;
/** A request's id at GİB's e-Fatura cancellation portal, lower case. */
export type CancelRequestId = Branded<string, 'CancelRequestId'>;

export function toEttn(raw: string): Ettn {
  return raw.trim().toLowerCase() as Ettn;
}

export function toEnvelopeId(raw: string): EnvelopeId {
  return raw.trim().toLowerCase() as EnvelopeId;
}

export function toCancelRequestId(raw: string): CancelRequestId {
  return raw.trim().toLowerCase() as CancelRequestId;
}

/** How an envelope id is shown to the ERP and written into envelopes (GİB's samples use upper case). */
export function displayEnvelopeId(id: EnvelopeId): string {
  return id.toUpperCase();
}
