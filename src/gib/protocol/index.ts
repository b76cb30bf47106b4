/**
 * GİB's e-Fatura protocol as a pure codec: envelopes, system responses, application responses, user-account
 * documents, the ZIP packaging of sendDocument and the SOAP messages of the EFatura service. No I/O: the GİB HTTP
 * client, the gateway's side of GİB's WSDL and the GİB simulator wrap these.
 */
export * from './codes';
export * from './errors';
export * from './envelope';
export * from './package';
export * from './soap';
export { readRequest } from './mtom';
export {
  buildSystemResponse,
  buildSystemEnvelope,
  parseSystemResponse,
  parseSystemEnvelope,
  readSystemResponse,
  replyParties,
  type AnsweredEnvelopeType,
  type ParsedSystemResponse,
  type SystemEnvelopeSpec,
  type SystemResponseSpec,
} from './system-response';
export * from './application-response';
export * from './user-account';
export * from './earsiv-report';
export * from './earsiv-report-schematron';
export * from './earsiv-ws';
export * from './user-list';
export * from './cancel-request';
export { turkishTime, type TurkishTime } from './markup';
export type { UblAddress, UblParty, ParsedUblParty, ParsedUblHeader } from './ubl';
