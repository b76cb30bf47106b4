"""A second, independent SOAP stack (Python zeep) calling the gateway from its WSDL, as a non-JS ERP would.

usage: zeep_client.py WSDL_URL USERNAME PASSWORD INVOICE_FILE
Prints one JSON object: the SendInvoice answer, GetStatus by ETTN and by number, the outgoing list and the document
(ListOutgoingInvoices, GetInvoiceDocument), and a fault's parsed detail.
"""
import json
import sys
import uuid

from zeep import Client
from zeep.exceptions import Fault
from zeep.wsse.username import UsernameToken

wsdl, username, password, invoice_file = sys.argv[1:5]
client = Client(wsdl, wsse=UsernameToken(username, password, use_digest=True))

with open(invoice_file, 'rb') as f:
    document = f.read()

sent = client.service.SendInvoice(document=document, container='xml')
by_ettn = client.service.GetStatus(ettn=sent.ettn)
by_number = client.service.GetStatus(invoiceNumber=sent.invoiceNumber)
listed = client.service.ListOutgoingInvoices(documentKind='EARSIV', portalTab='Henüz Sonuçlanmamış', pageSize=10)
fetched = client.service.GetInvoiceDocument(invoiceNumber=sent.invoiceNumber)

fault = None
try:
    client.service.GetStatus(ettn=str(uuid.uuid4()))
except Fault as err:
    ns = {'gw': 'urn:acik-entegrator:gateway:1'}
    fault = {
        'faultcode': str(err.code),
        'message': err.message,
        'code': int(err.detail.find('.//gw:code', ns).text),
        'name': err.detail.find('.//gw:name', ns).text,
    }


def plain(status):
    return {
        'ettn': status.ettn,
        'invoiceNumber': status.invoiceNumber,
        'documentKind': status.documentKind,
        'state': status.state,
        'status': status.status,
        'code': status.code,
        'description': status.description,
        'portalTab': status.portalTab,
        'history': [h.toState for h in (status.history.entry if status.history else [])],
    }


listed_out = {
    'invoices': [
        {'ettn': i.ettn, 'invoiceNumber': i.invoiceNumber, 'issueDate': i.issueDate.isoformat(), 'payableAmount': str(i.payableAmount),
         'receiverVknTckn': i.receiverVknTckn, 'portalTab': i.portalTab, 'status': i.status}
        for i in listed.invoice
    ],
    'nextPageToken': listed.nextPageToken,
}
fetched_out = {'ettn': fetched.invoice.ettn, 'fileName': fetched.fileName, 'signed': fetched.signed, 'document': fetched.document.decode('utf-8')}

print(json.dumps({'sent': plain(sent), 'byEttn': plain(by_ettn), 'byNumber': plain(by_number), 'listed': listed_out, 'fetched': fetched_out, 'fault': fault},
                 ensure_ascii=False))
