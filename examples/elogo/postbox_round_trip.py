"""Python (zeep): e-Logo's PostBoxService round trip, as an ERP connector written for e-Logo does it.

    apt-get install python3-zeep            # or: pip install zeep
    GW_URL=http://127.0.0.1:8080 GW_SELLER=demo GW_BUYER=demo-alici GW_PASSWORD=... \\
      python3 examples/elogo/postbox_round_trip.py EFATURA.xml EARSIV.xml

The client is generated from the served `PostboxService.svc?singlewsdl` (the spelling public clients use). The seller
logs in, zips each invoice and sends it with its MD5 `hash` (SendDocument, DOCUMENTTYPE=EINVOICE / EARCHIVE), follows
both with GetDocumentStatus until status 2, cancels the e-Arsiv one (CANCELEARCHIVEINVOICE); the buyer logs in, pulls
its inbox (GetDocument until the invoice comes, GetDocumentDone for each document taken, until nothing is waiting) and
answers the e-Fatura with KABUL (CREATEAPPLICATIONRESPONSE); both log out. One line per step; exit 0. Any other
answer is printed and the exit status is 1.

The first file must be an e-Fatura (TICARIFATURA, so that it can be answered) from the seller to the buyer, the second
an e-Arsiv invoice of the seller. Each is sent as it is: to send a file again, give it a new cbc:UUID (ETTN).
Optional: GW_POLL_SECONDS (1), GW_TIMEOUT_SECONDS (120).
"""
import hashlib
import io
import os
import sys
import time
import zipfile
from datetime import datetime, timezone

from lxml import etree
from zeep import Client
from zeep.exceptions import Error as ZeepError, Fault

URL = os.environ.get('GW_URL', 'http://127.0.0.1:8080').rstrip('/')
SELLER = os.environ.get('GW_SELLER', '')
BUYER = os.environ.get('GW_BUYER', '')
PASSWORD = os.environ.get('GW_PASSWORD', '')
POLL = float(os.environ.get('GW_POLL_SECONDS', '1'))
TIMEOUT = float(os.environ.get('GW_TIMEOUT_SECONDS', '120'))


class Failed(Exception):
    """An answer the round trip cannot go on with; its text is printed."""


def say(line):
    print(line, flush=True)


def params(*items):
    """paramList: an ArrayOfstring of "NAME=VALUE" items."""
    return {'string': list(items)}


def strings(array):
    """An ArrayOfstring as a list (an i:nil outputList is None)."""
    return list(array.string) if array is not None and array.string is not None else []


def output(result):
    """outputList's "NAME=VALUE" items as a dict."""
    return dict(s.split('=', 1) for s in strings(result.outputList) if '=' in s)


def check(op, result, codes=(1,)):
    """A ResultType: its resultCode must be one of `codes`, or the whole result is the failure."""
    if result is None or result.resultCode not in codes:
        raise Failed(f'{op}: ' + ('no result' if result is None else f'{result.resultCode} {result.resultMsg} {strings(result.outputList)}'))
    return result


def zip_one(name, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


def md5(data):
    return hashlib.md5(data).hexdigest()


def ettn_of(xml):
    """The invoice's cbc:UUID (its ETTN), the uuid PostBoxService knows it by."""
    uuid = etree.fromstring(xml).findtext('{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}UUID')
    if not uuid:
        raise Failed('the invoice has no cbc:UUID')
    return uuid.strip()


def login(service, user):
    answer = service.Login(login={'appStr': 'postbox_round_trip.py', 'passWord': PASSWORD, 'source': 1, 'userName': user, 'version': '1'})
    if not answer.LoginResult or not answer.sessionID:
        raise Failed(f'Login {user}: {answer}')
    say(f'logged in {user}')
    return answer.sessionID


def send(service, session, kind, path):
    with open(path, 'rb') as f:
        xml = f.read()
    uuid = ettn_of(xml)
    data = zip_one(os.path.basename(path), xml)
    answer = service.SendDocument(
        sessionID=session,
        paramList=params(f'DOCUMENTTYPE={kind}'),
        document={'binaryData': {'Value': data}, 'currentDate': datetime.now(timezone.utc), 'fileName': f'{uuid}.zip', 'hash': md5(data)},
    )
    check(f'SendDocument {kind}', answer.SendDocumentResult)
    # e-Logo answers Başarılı and the refId; the document is followed by its own UUID.
    say(f'sent {kind} {uuid} refId {answer.refId}')
    return uuid


def status(service, session, uuid, kind):
    answer = service.GetDocumentStatus(sessionID=session, uuid=uuid, paramList=params(f'DOCUMENTTYPE={kind}'))
    check(f'GetDocumentStatus {uuid}', answer.GetDocumentStatusResult)
    return answer.statusInfo


def follow(service, session, uuid, kind):
    """GetDocumentStatus until status 2 (completed); -1 (failed) or the timeout is a failure."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        info = status(service, session, uuid, kind)
        if info.status == 2:
            say(f'status {uuid} {info.status} {info.code} {info.description}')
            return info
        if info.status == -1:
            raise Failed(f'status {uuid} {info.status} {info.code} {info.description}')
        if time.monotonic() > deadline:
            raise Failed(f'status {uuid} still {info.status} {info.code} {info.description} after {TIMEOUT:g} s')
        time.sleep(POLL)


def cancel(service, session, uuid):
    answer = service.SendDocument(sessionID=session, paramList=params('DOCUMENTTYPE=CANCELEARCHIVEINVOICE', f'UUID={uuid}'), document={})
    check(f'CANCELEARCHIVEINVOICE {uuid}', answer.SendDocumentResult)
    info = status(service, session, uuid, 'EARCHIVE')
    if not info.isCancel:
        raise Failed(f'CANCELEARCHIVEINVOICE {uuid}: isCancel is {info.isCancel}')
    say(f'cancelled {uuid}')


def pull_inbox(service, session, expected):
    """The inbox pull loop: GetDocument hands out a document until GetDocumentDone marks it; 0 means nothing waits.
    Waits until `expected` has come, takes every document handed out, and ends when nothing is waiting."""
    deadline = time.monotonic() + TIMEOUT
    taken = False
    while True:
        answer = service.GetDocument(sessionID=session, paramList=params('DOCUMENTTYPE=EINVOICE'))
        result = check('GetDocument', answer.GetDocumentResult, (0, 1))
        if result.resultCode == 0:
            if taken:
                say('nothing waiting')
                return
            if time.monotonic() > deadline:
                raise Failed(f'GetDocument: {expected} not in the inbox after {TIMEOUT:g} s')
            time.sleep(POLL)
            continue
        doc = answer.document
        data = doc.binaryData.Value
        if md5(data) != (doc.hash or '').lower():
            raise Failed(f'GetDocument {doc.fileName}: hash {doc.hash}, MD5 of the ZIP {md5(data)}')
        # fileName is <uuid>.zip; the ZIP holds the one UBL document, whose cbc:UUID is that uuid.
        uuid = (doc.fileName or '').removesuffix('.zip')
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            if len(names) != 1 or ettn_of(z.read(names[0])).lower() != uuid.lower():
                raise Failed(f'GetDocument {doc.fileName}: the ZIP holds {names}')
        say(f'pulled {uuid}')
        check(f'GetDocumentDone {uuid}', service.GetDocumentDone(sessionID=session, uuid=uuid, paramList=params('DOCUMENTTYPE=EINVOICE')))
        say(f'done {uuid}')
        taken = taken or uuid.lower() == expected.lower()


def answer_invoice(service, session, uuid, code):
    answer = service.SendDocument(
        sessionID=session,
        paramList=params('DOCUMENTTYPE=CREATEAPPLICATIONRESPONSE', f'UUID={uuid}', f'APPLICATIONRESPONSE={code}', 'DESCRIPTION=KABUL EDILMISTIR.'),
        document={},
    )
    check(f'CREATEAPPLICATIONRESPONSE {uuid}', answer.SendDocumentResult)
    say(f'{code} {uuid}')


def logout(service, session, user):
    service.Logout(sessionID=session)
    say(f'logged out {user}')


def main():
    if len(sys.argv) != 3 or not (SELLER and BUYER and PASSWORD):
        print(__doc__, file=sys.stderr)
        return 2
    efatura_file, earsiv_file = sys.argv[1:3]
    try:
        service = Client(f'{URL}/PostboxService.svc?singlewsdl').service
        seller = login(service, SELLER)
        efatura = send(service, seller, 'EINVOICE', efatura_file)
        earsiv = send(service, seller, 'EARCHIVE', earsiv_file)
        follow(service, seller, efatura, 'EINVOICE')
        follow(service, seller, earsiv, 'EARCHIVE')
        cancel(service, seller, earsiv)

        buyer = login(service, BUYER)
        pull_inbox(service, buyer, efatura)
        answer_invoice(service, buyer, efatura, 'KABUL')
        logout(service, buyer, BUYER)
        logout(service, seller, SELLER)
    except Fault as err:
        # e-Logo's Login fault: faultcode "Login", faultstring "Geçersiz kullanıcı adı/şifre".
        say(f'fault {err.code}: {err.message}')
        return 1
    except (Failed, ZeepError, OSError,  # OSError: also requests' connection errors
            zipfile.BadZipFile, etree.XMLSyntaxError) as err:
        say(f'failed {err}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
