/**
 * What the gateway's client tools (ledger:upload, contract:sign) share: a node-soap client of the gateway's WSDL that
 * logs in with a UsernameToken (PasswordDigest), and the typed fault read back from a failed call.
 */
import * as soap from 'soap';

export async function gatewayClient(opts: { url: string; username: string; password: string }): Promise<soap.Client> {
  const client = await soap.createClientAsync(`${opts.url}?wsdl`);
  client.setSecurity(new soap.WSSecurity(opts.username, opts.password, { passwordType: 'PasswordDigest', hasNonce: true, hasTimeStamp: false }));
  client.setEndpoint(opts.url);
  return client;
}

type SoapError = { root?: { Envelope?: { Body?: { Fault?: { detail?: { GatewayFault?: { code?: unknown; message?: unknown } }; faultstring?: unknown } } } } };

/** The SOAP fault of a node-soap error: the gateway's GatewayFault (code, message), or code 0 with its faultstring; null for no fault. */
export function soapFaultOf(err: unknown): { code: number; message: string } | null {
  const f = (err as SoapError).root?.Envelope?.Body?.Fault;
  if (!f) return null;
  const g = f.detail?.GatewayFault;
  if (g && g.code !== undefined) return { code: Number(g.code), message: String(g.message ?? '') };
  return { code: 0, message: String(f.faultstring ?? 'SOAP fault') };
}
