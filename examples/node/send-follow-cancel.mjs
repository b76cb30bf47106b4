// Node (node-soap): send an e-Arşiv invoice, follow it to Başarılı, cancel it, follow the cancellation.
//
//   npm install soap
//   GW_URL=http://127.0.0.1:8080 GW_USER=demo GW_PASSWORD=… node examples/node/send-follow-cancel.mjs examples/invoices/earsiv-kisiye.xml
//
// A fresh copy of the file is sent each run (new ETTN, number left to the gateway), so it can run again and again.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import soap from 'soap';

const [file] = process.argv.slice(2);
const url = process.env.GW_URL ?? 'http://127.0.0.1:8080';
const client = await soap.createClientAsync(`${url}/soap/gateway?wsdl`);
client.setSecurity(new soap.WSSecurity(process.env.GW_USER, process.env.GW_PASSWORD, { passwordType: 'PasswordDigest', hasNonce: true }));

const copy = fs.readFileSync(file, 'utf8')
  .replace(/<cbc:UUID>[^<]*<\/cbc:UUID>/, `<cbc:UUID>${randomUUID()}</cbc:UUID>`)
  .replace(/<cbc:ID>[^<]*<\/cbc:ID>/, '<cbc:ID></cbc:ID>'); // the first cbc:ID is the invoice number

/** GetStatus every second until `done(state)`, printing each new state. */
async function follow(ettn, done) {
  let last = '';
  for (let i = 0; i < 60; i++) {
    const [{ invoice }] = await client.GetStatusAsync({ ettn });
    if (invoice.state !== last) console.log(`${invoice.state} ${invoice.code} ${invoice.description} (${invoice.portalTab})`);
    last = invoice.state;
    if (done(invoice.state)) return invoice;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${ettn} still ${last} after a minute`);
}

try {
  const [{ invoice }] = await client.SendInvoiceAsync({ document: Buffer.from(copy).toString('base64'), assignNumber: true });
  console.log(`sent ${invoice.ettn} as ${invoice.invoiceNumber}`);
  await follow(invoice.ettn, (s) => s === 'SUCCESS' || s === 'ERROR');
  await client.CancelInvoiceAsync({ ettn: invoice.ettn });
  await follow(invoice.ettn, (s) => s === 'CANCEL_REPORTED' || s === 'ERROR');
} catch (err) {
  // A refusal is a SOAP fault whose detail is a typed GatewayFault: code, name, message (and failures, each rule).
  const fault = err.root?.Envelope?.Body?.Fault?.detail?.GatewayFault;
  console.error(fault ? `refused: ${fault.code} ${fault.name}: ${fault.message}` : err);
  process.exit(1);
}
