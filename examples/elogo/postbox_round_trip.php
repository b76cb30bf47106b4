<?php
// PHP (SoapClient, ext-soap): e-Logo's PostBoxService round trip, as an ERP connector written for e-Logo does it.
//
//   apt-get install php-cli php-soap
//   GW_URL=http://127.0.0.1:8080 GW_SELLER=demo GW_BUYER=demo-alici GW_PASSWORD=… \
//     php examples/elogo/postbox_round_trip.php EFATURA.xml EARSIV.xml
//
// The client is generated from the served `PostboxService.svc?singlewsdl` (the spelling public clients use); requests
// and answers are plain arrays and stdClass objects (no classmap). The seller logs in, zips each invoice and sends it
// with its MD5 `hash` (SendDocument, DOCUMENTTYPE=EINVOICE / EARCHIVE), follows both with GetDocumentStatus until
// status 2, cancels the e-Arşiv one (CANCELEARCHIVEINVOICE); the buyer logs in, pulls its inbox (GetDocument until the
// invoice comes, GetDocumentDone for each document taken, until nothing is waiting) and answers the e-Fatura with
// KABUL (CREATEAPPLICATIONRESPONSE); both log out. One line per step; exit 0. Any other answer is printed, with the
// last SOAP response when there is one, and the exit status is 1.
//
// The first file must be an e-Fatura (TICARIFATURA, so that it can be answered) from the seller to the buyer, the
// second an e-Arşiv invoice of the seller. Each is sent as it is: to send a file again, give it a new cbc:UUID (ETTN).
// Optional: GW_POLL_SECONDS (1), GW_TIMEOUT_SECONDS (120).
//
// ZIP: Debian's php-cli has zlib but not ext-zip (ZipArchive), so the one-file archives e-Logo exchanges are written
// and read here with gzdeflate/gzinflate (zip_one, unzip_one).

$url = rtrim(getenv('GW_URL') ?: 'http://127.0.0.1:8080', '/');
$sellerUser = getenv('GW_SELLER') ?: '';
$buyerUser = getenv('GW_BUYER') ?: '';
$password = getenv('GW_PASSWORD') ?: '';
$poll = (float) (getenv('GW_POLL_SECONDS') ?: 1);
$timeout = (float) (getenv('GW_TIMEOUT_SECONDS') ?: 120);

if ($argc !== 3 || $sellerUser === '' || $buyerUser === '' || $password === '') {
    fwrite(STDERR, "usage: GW_URL=… GW_SELLER=… GW_BUYER=… GW_PASSWORD=… php {$argv[0]} EFATURA.xml EARSIV.xml\n");
    exit(2);
}

/** An answer the round trip cannot go on with; its text is printed. */
class Failed extends Exception {}

function say(string $line): void {
    echo $line, "\n";
}

/** paramList: an ArrayOfstring of "NAME=VALUE" items. */
function params(string ...$items): array {
    return ['string' => $items];
}

/** An ArrayOfstring as a list (an i:nil outputList is null). */
function strings($array): array {
    if ($array === null || !isset($array->string)) return [];
    return is_array($array->string) ? $array->string : [$array->string];
}

/** outputList's "NAME=VALUE" items as an array. */
function output($result): array {
    $out = [];
    foreach (strings($result->outputList ?? null) as $s) {
        $parts = explode('=', $s, 2);
        if (count($parts) === 2) $out[$parts[0]] = $parts[1];
    }
    return $out;
}

/** A ResultType: its resultCode must be one of $codes, or the whole result is the failure. */
function check(string $op, $result, array $codes = [1]) {
    if ($result === null || !in_array((int) $result->resultCode, $codes, true)) {
        $what = $result === null ? 'no result' : "{$result->resultCode} {$result->resultMsg} " . json_encode(strings($result->outputList ?? null), JSON_UNESCAPED_UNICODE);
        throw new Failed("$op: $what");
    }
    return $result;
}

/** A ZIP holding one file, deflated. */
function zip_one(string $name, string $data): string {
    $deflated = gzdeflate($data);
    $crc = crc32($data);
    $t = getdate();
    $time = ($t['hours'] << 11) | ($t['minutes'] << 5) | intdiv($t['seconds'], 2);
    $date = (($t['year'] - 1980) << 9) | ($t['mon'] << 5) | $t['mday'];
    // version needed, flags (bit 11: the name is UTF-8), method 8 (deflate), time, date, CRC-32, sizes, name and extra lengths
    $common = pack('vvvvvVVVvv', 20, 0x0800, 8, $time, $date, $crc, strlen($deflated), strlen($data), strlen($name), 0);
    $local = "PK\x03\x04" . $common . $name;
    // version made by, the same, comment length, disk, internal and external attributes, the local header's offset
    $central = "PK\x01\x02" . pack('v', 20) . $common . pack('vvvVV', 0, 0, 0, 0, 0) . $name;
    $end = "PK\x05\x06" . pack('vvvvVVv', 0, 0, 1, 1, strlen($central), strlen($local) + strlen($deflated), 0);
    return $local . $deflated . $central . $end;
}

/** The one file of a ZIP (stored or deflated), by its central directory: [name, bytes]. */
function unzip_one(string $zip): array {
    $eocd = strrpos($zip, "PK\x05\x06");
    if ($eocd === false) throw new Failed('not a ZIP');
    $e = unpack('ventries/Vsize/Voffset', $zip, $eocd + 10);
    if ($e['entries'] !== 1) throw new Failed("a ZIP of {$e['entries']} files");
    $c = unpack('Vsig/vmadeBy/vversion/vflags/vmethod/vtime/vdate/Vcrc/Vcompressed/Vsize/vnameLength/vextraLength/vcommentLength/vdisk/vinternal/Vexternal/Vlocal', $zip, $e['offset']);
    $name = substr($zip, $e['offset'] + 46, $c['nameLength']);
    $l = unpack('vnameLength/vextraLength', $zip, $c['local'] + 26);
    $raw = substr($zip, $c['local'] + 30 + $l['nameLength'] + $l['extraLength'], $c['compressed']);
    $data = $c['method'] === 8 ? gzinflate($raw) : ($c['method'] === 0 ? $raw : false);
    if ($data === false || crc32($data) !== $c['crc']) throw new Failed("$name: cannot read it (method {$c['method']})");
    return [$name, $data];
}

/**
 * The invoice's cbc:UUID (its ETTN), the uuid PostBoxService knows it by: the first UUID element of the document (in
 * UBL it comes before any part that could hold another). A pattern, not a parser: Debian's php-cli has no ext-dom.
 */
function ettn_of(string $xml): string {
    if (!preg_match('#<(?:[A-Za-z_][\w.-]*:)?UUID(?:\s[^>]*)?>\s*([^<\s]+)\s*</#', $xml, $m)) throw new Failed('the invoice has no cbc:UUID');
    return $m[1];
}

function login(SoapClient $client, string $user, string $password): string {
    $answer = $client->Login(['login' => ['appStr' => 'postbox_round_trip.php', 'passWord' => $password, 'source' => 1, 'userName' => $user, 'version' => '1']]);
    if (!$answer->LoginResult || empty($answer->sessionID)) throw new Failed("Login $user: " . json_encode($answer));
    say("logged in $user");
    return $answer->sessionID;
}

function send(SoapClient $client, string $session, string $kind, string $path): string {
    $xml = file_get_contents($path);
    if ($xml === false) throw new Failed("cannot read $path");
    $uuid = ettn_of($xml);
    $zip = zip_one(basename($path), $xml);
    // base64Binary: SoapClient encodes the bytes itself.
    $answer = $client->SendDocument([
        'sessionID' => $session,
        'paramList' => params("DOCUMENTTYPE=$kind"),
        'document' => ['binaryData' => ['Value' => $zip], 'currentDate' => gmdate('Y-m-d\TH:i:s\Z'), 'fileName' => "$uuid.zip", 'hash' => md5($zip)],
    ]);
    check("SendDocument $kind", $answer->SendDocumentResult);
    // e-Logo answers Başarılı and the refId; the document is followed by its own UUID.
    say("sent $kind $uuid refId {$answer->refId}");
    return $uuid;
}

function status(SoapClient $client, string $session, string $uuid, string $kind) {
    $answer = $client->GetDocumentStatus(['sessionID' => $session, 'uuid' => $uuid, 'paramList' => params("DOCUMENTTYPE=$kind")]);
    check("GetDocumentStatus $uuid", $answer->GetDocumentStatusResult);
    return $answer->statusInfo;
}

/** GetDocumentStatus until status 2 (completed); -1 (failed) or the timeout is a failure. */
function follow(SoapClient $client, string $session, string $uuid, string $kind, float $poll, float $timeout) {
    $deadline = microtime(true) + $timeout;
    for (;;) {
        $info = status($client, $session, $uuid, $kind);
        $line = "status $uuid {$info->status} {$info->code} {$info->description}";
        if ($info->status === 2) {
            say($line);
            return $info;
        }
        if ($info->status === -1) throw new Failed($line);
        if (microtime(true) > $deadline) throw new Failed("$line after $timeout s");
        usleep((int) ($poll * 1e6));
    }
}

function cancel(SoapClient $client, string $session, string $uuid): void {
    $answer = $client->SendDocument(['sessionID' => $session, 'paramList' => params('DOCUMENTTYPE=CANCELEARCHIVEINVOICE', "UUID=$uuid"), 'document' => []]);
    check("CANCELEARCHIVEINVOICE $uuid", $answer->SendDocumentResult);
    $info = status($client, $session, $uuid, 'EARCHIVE');
    if ($info->isCancel !== true) throw new Failed("CANCELEARCHIVEINVOICE $uuid: isCancel is " . var_export($info->isCancel, true));
    say("cancelled $uuid");
}

/**
 * The inbox pull loop: GetDocument hands out a document until GetDocumentDone marks it; 0 means nothing waits.
 * Waits until $expected has come, takes every document handed out, and ends when nothing is waiting.
 */
function pull_inbox(SoapClient $client, string $session, string $expected, float $poll, float $timeout): void {
    $deadline = microtime(true) + $timeout;
    $taken = false;
    for (;;) {
        $answer = $client->GetDocument(['sessionID' => $session, 'paramList' => params('DOCUMENTTYPE=EINVOICE')]);
        $result = check('GetDocument', $answer->GetDocumentResult, [0, 1]);
        if ($result->resultCode === 0) {
            if ($taken) {
                say('nothing waiting');
                return;
            }
            if (microtime(true) > $deadline) throw new Failed("GetDocument: $expected not in the inbox after $timeout s");
            usleep((int) ($poll * 1e6));
            continue;
        }
        $doc = $answer->document;
        $zip = $doc->binaryData->Value;
        if (md5($zip) !== strtolower((string) $doc->hash)) throw new Failed("GetDocument {$doc->fileName}: hash {$doc->hash}, MD5 of the ZIP " . md5($zip));
        // fileName is <uuid>.zip; the ZIP holds the one UBL document, whose cbc:UUID is that uuid.
        $uuid = preg_replace('/\.zip$/i', '', (string) $doc->fileName);
        [$name, $xml] = unzip_one($zip);
        if (strcasecmp(ettn_of($xml), $uuid) !== 0) throw new Failed("GetDocument {$doc->fileName}: the ZIP holds $name");
        say("pulled $uuid");
        $done = $client->GetDocumentDone(['sessionID' => $session, 'uuid' => $uuid, 'paramList' => params('DOCUMENTTYPE=EINVOICE')]);
        check("GetDocumentDone $uuid", $done->GetDocumentDoneResult);
        say("done $uuid");
        $taken = $taken || strcasecmp($uuid, $expected) === 0;
    }
}

function answer_invoice(SoapClient $client, string $session, string $uuid, string $code): void {
    $answer = $client->SendDocument([
        'sessionID' => $session,
        'paramList' => params('DOCUMENTTYPE=CREATEAPPLICATIONRESPONSE', "UUID=$uuid", "APPLICATIONRESPONSE=$code", 'DESCRIPTION=KABUL EDİLMİŞTİR.'),
        'document' => [],
    ]);
    check("CREATEAPPLICATIONRESPONSE $uuid", $answer->SendDocumentResult);
    say("$code $uuid");
}

function logout(SoapClient $client, string $session, string $user): void {
    $client->Logout(['sessionID' => $session]);
    say("logged out $user");
}

$client = null;
try {
    $client = new SoapClient("$url/PostboxService.svc?singlewsdl", [
        'trace' => true,
        'exceptions' => true,
        'cache_wsdl' => WSDL_CACHE_NONE,
        // A one-item ArrayOfstring is still an array.
        'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
        'connection_timeout' => 30,
    ]);
    $seller = login($client, $sellerUser, $password);
    $efatura = send($client, $seller, 'EINVOICE', $argv[1]);
    $earsiv = send($client, $seller, 'EARCHIVE', $argv[2]);
    follow($client, $seller, $efatura, 'EINVOICE', $poll, $timeout);
    follow($client, $seller, $earsiv, 'EARCHIVE', $poll, $timeout);
    cancel($client, $seller, $earsiv);

    $buyer = login($client, $buyerUser, $password);
    pull_inbox($client, $buyer, $efatura, $poll, $timeout);
    answer_invoice($client, $buyer, $efatura, 'KABUL');
    logout($client, $buyer, $buyerUser);
    logout($client, $seller, $sellerUser);
} catch (SoapFault $f) {
    // e-Logo's Login fault: faultcode "Login", faultstring "Geçersiz kullanıcı adı/şifre".
    say("fault {$f->faultcode}: {$f->getMessage()}");
    if ($client !== null && $client->__getLastResponse()) fwrite(STDERR, $client->__getLastResponse() . "\n");
    exit(1);
} catch (Failed $e) {
    say("failed {$e->getMessage()}");
    if ($client !== null && $client->__getLastResponse()) fwrite(STDERR, $client->__getLastResponse() . "\n");
    exit(1);
}
exit(0);
