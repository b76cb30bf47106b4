/**
 * The request shapes read from wsdl/gateway.wsdl (src/soap/request-shape.ts): every operation's request elements,
 * required and optional, the choices; and a WSDL construct the reader does not know fails at start.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { WSDL_FILE } from '../../src/app';
import { readArguments, requestShapes } from '../../src/soap/request-shape';
import { argList } from '../../src/soap/operation';
import { parseXml } from '../../src/xml/parse';

const wsdl = fs.readFileSync(WSDL_FILE, 'utf8');

describe('soap: request shapes from the WSDL', () => {
  const shapes = requestShapes(wsdl);

  it('one per operation of the port type, in the service’s namespace', () => {
    const operations = [...wsdl.matchAll(/<wsdl:operation name="(\w+)">\s*<wsdl:input/g)].map((m) => m[1]!);
    expect([...shapes.keys()].sort()).to.deep.equal([...new Set(operations)].sort());
    for (const s of shapes.values()) expect(s.ns).to.equal('urn:acik-entegrator:gateway:1');
  });

  it('SendInvoice: document required, the rest optional; GetStatus and CancelInvoice: ETTN or number', () => {
    const send = shapes.get('SendInvoice')!;
    expect(Object.fromEntries([...send.fields].map(([k, v]) => [k, v.required]))).to.deep.equal({ document: true, container: false, assignNumber: false, numberSeries: false, signed: false, channel: false });
    expect(send.choice).to.equal(null);
    expect(shapes.get('GetStatus')!.choice).to.deep.equal(['ettn', 'invoiceNumber']);
    expect(shapes.get('CancelInvoice')!.choice).to.deep.equal(['ettn', 'invoiceNumber']);
    expect(shapes.get('DecideCancelRequest')!.fields.get('decision')).to.deep.equal({ required: true, repeats: false });
  });

  it('a request type it cannot check (a nested group, xs:any) fails at start, naming the request', () => {
    const nested = wsdl.replace('<xs:element name="response" type="tns:BusinessResponse"/>', '<xs:choice><xs:element name="a"/><xs:element name="b"/></xs:choice>');
    expect(() => requestShapes(nested)).to.throw(/SendApplicationResponseRequest: <xs:choice>/);
    const any = wsdl.replace('<xs:element name="refresh" type="xs:boolean" minOccurs="0" default="false"/>', '<xs:any/>');
    expect(() => requestShapes(any)).to.throw(/CheckUserRequest: <xs:any>/);
  });

  it('a repeated field (ActivateService\'s service) arrives one value per line, in order; a field that may not repeat is refused twice', () => {
    const ns = 'urn:acik-entegrator:gateway:1';
    const activate = shapes.get('ActivateService')!;
    expect(activate.fields.get('service')).to.deep.equal({ required: true, repeats: true });
    const request = parseXml(`<ActivateServiceRequest xmlns="${ns}"><service>EFATURA</service><service> EARSIV@2027-01-15T10:00 </service></ActivateServiceRequest>`).root;
    expect(argList(readArguments(request, activate).service)).to.deep.equal(['EFATURA', 'EARSIV@2027-01-15T10:00']);
    const twice = parseXml(`<ChangeActivationDateRequest xmlns="${ns}"><service>EFATURA</service><service>EARSIV</service></ChangeActivationDateRequest>`).root;
    expect(() => readArguments(twice, shapes.get('ChangeActivationDate')!)).to.throw(/birden fazla/);
  });
});
