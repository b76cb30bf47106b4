import express from 'express';
import * as soap from 'soap';

/**
 * The yardstick: a bare node-soap service on express with one document/literal Echo operation and the same body
 * limit in front, nothing else. The gateway's throughput is reported as a ratio of this one's, measured in the same run.
 */
const WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="EchoService" targetNamespace="urn:bench:echo" xmlns:tns="urn:bench:echo"
  xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <wsdl:types><xs:schema targetNamespace="urn:bench:echo" elementFormDefault="qualified">
    <xs:element name="EchoRequest"><xs:complexType><xs:sequence><xs:element name="text" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
    <xs:element name="EchoResponse"><xs:complexType><xs:sequence><xs:element name="text" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
  </xs:schema></wsdl:types>
  <wsdl:message name="EchoRequest"><wsdl:part name="parameters" element="tns:EchoRequest"/></wsdl:message>
  <wsdl:message name="EchoResponse"><wsdl:part name="parameters" element="tns:EchoResponse"/></wsdl:message>
  <wsdl:portType name="EchoPortType"><wsdl:operation name="Echo"><wsdl:input message="tns:EchoRequest"/><wsdl:output message="tns:EchoResponse"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="EchoBinding" type="tns:EchoPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Echo"><soap:operation soapAction="urn:bench:echo#Echo"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="EchoService"><wsdl:port name="EchoPort" binding="tns:EchoBinding"><soap:address location="http://127.0.0.1/echo"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;

const app = express();
app.use('/echo', express.raw({ type: () => true, limit: 20 * 1024 * 1024 }));
const server = app.listen(0, '127.0.0.1', () => {
  soap.listen(app, {
    path: '/echo',
    xml: WSDL,
    services: { EchoService: { EchoPort: { Echo: (args: { text: string }) => ({ text: args.text }) } } },
    callback: () => {
      const address = server.address();
      process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }) + '\n');
    },
  });
});
