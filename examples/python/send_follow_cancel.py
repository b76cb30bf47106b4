"""Python (zeep): send an e-Arşiv invoice, follow it to Başarılı, cancel it, follow the cancellation.

    pip install zeep            # or Debian's python3-zeep
    GW_URL=http://127.0.0.1:8080 GW_USER=demo GW_PASSWORD=... python3 examples/python/send_follow_cancel.py examples/invoices/earsiv-kisiye.xml

A fresh copy of the file is sent each run (new ETTN, number left to the gateway), so it can run again and again.
"""
import os
import re
import sys
import time
import uuid

from zeep import Client
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

url = os.environ.get('GW_URL', 'http://127.0.0.1:8080')
client = Client(f'{url}/soap/gateway?wsdl', wsse=UsernameToken(os.environ['GW_USER'], os.environ['GW_PASSWORD'], use_digest=True))

with open(sys.argv[1], encoding='utf-8') as f:
    copy = f.read()
copy = re.sub(r'<cbc:UUID>[^<]*</cbc:UUID>', f'<cbc:UUID>{uuid.uuid4()}</cbc:UUID>', copy, count=1)
copy = re.sub(r'<cbc:ID>[^<]*</cbc:ID>', '<cbc:ID></cbc:ID>', copy, count=1)  # the first cbc:ID is the number


def follow(ettn, done):
    """GetStatus every second until done(state), printing each new state."""
    last = ''
    for _ in range(60):
        invoice = client.service.GetStatus(ettn=ettn)
        if invoice.state != last:
            print(f'{invoice.state} {invoice.code} {invoice.description} ({invoice.portalTab})', flush=True)
        last = invoice.state
        if done(invoice.state):
            return invoice
        time.sleep(1)
    raise SystemExit(f'{ettn} still {last} after a minute')


try:
    sent = client.service.SendInvoice(document=copy.encode('utf-8'), assignNumber=True)
    print(f'sent {sent.ettn} as {sent.invoiceNumber}', flush=True)
    follow(sent.ettn, lambda s: s in ('SUCCESS', 'ERROR'))
    client.service.CancelInvoice(ettn=sent.ettn)
    follow(sent.ettn, lambda s: s in ('CANCEL_REPORTED', 'ERROR'))
except Fault as err:
    # A refusal's detail is a typed GatewayFault: code, name, message (and failures, each rule).
    ns = {'gw': 'urn:acik-entegrator:gateway:1'}
    raise SystemExit(f"refused: {err.detail.find('.//gw:code', ns).text} {err.detail.find('.//gw:name', ns).text}: {err.message}")
