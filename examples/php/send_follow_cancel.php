<?php
// PHP (SoapClient, ext-soap): send an e-Arşiv invoice, follow it to Başarılı, cancel it, follow the cancellation.
//
//   apt-get install php-cli php-soap
//   GW_URL=http://127.0.0.1:8080 GW_USER=demo GW_PASSWORD=… php examples/php/send_follow_cancel.php examples/invoices/earsiv-kisiye.xml
//
// PHP's SoapClient has no WS-Security: the UsernameToken with its PasswordDigest (Base64(SHA-1(nonce + created +
// password))) is built here as a SOAP header. A fresh copy of the file is sent each run (new ETTN, number left to the
// gateway), so it can run again and again.
$url = getenv('GW_URL') ?: 'http://127.0.0.1:8080';
$user = getenv('GW_USER');
$password = getenv('GW_PASSWORD');
$client = new SoapClient("$url/soap/gateway?wsdl", ['exceptions' => true, 'cache_wsdl' => WSDL_CACHE_NONE]);

function security(string $user, string $password): SoapHeader {
    $nonce = random_bytes(16);
    $created = gmdate('Y-m-d\TH:i:s\Z');
    $digest = base64_encode(sha1($nonce . $created . $password, true));
    $wsse = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
    $wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
    $xml = "<wsse:Security xmlns:wsse=\"$wsse\" xmlns:wsu=\"$wsu\"><wsse:UsernameToken>"
        . '<wsse:Username>' . htmlspecialchars($user) . '</wsse:Username>'
        . '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">' . $digest . '</wsse:Password>'
        . '<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">' . base64_encode($nonce) . '</wsse:Nonce>'
        . "<wsu:Created>$created</wsu:Created></wsse:UsernameToken></wsse:Security>";
    return new SoapHeader($wsse, 'Security', new SoapVar($xml, XSD_ANYXML), true);
}

// Each call gets a fresh token: a nonce is accepted once.
function call(SoapClient $client, string $op, array $args, string $user, string $password) {
    $client->__setSoapHeaders([security($user, $password)]);
    return $client->__soapCall($op, [$args]);
}

function follow(SoapClient $client, string $ettn, array $until, string $user, string $password) {
    $last = '';
    for ($i = 0; $i < 60; $i++) {
        $invoice = call($client, 'GetStatus', ['ettn' => $ettn], $user, $password)->invoice;
        if ($invoice->state !== $last) echo "{$invoice->state} {$invoice->code} {$invoice->description} ({$invoice->portalTab})\n";
        $last = $invoice->state;
        if (in_array($invoice->state, $until, true)) return $invoice;
        sleep(1);
    }
    fwrite(STDERR, "$ettn still $last after a minute\n");
    exit(1);
}

$copy = file_get_contents($argv[1]);
function uuid4(): string {
    $b = random_bytes(16);
    $b[6] = chr((ord($b[6]) & 0x0f) | 0x40); // version 4
    $b[8] = chr((ord($b[8]) & 0x3f) | 0x80); // RFC 4122 variant
    return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4));
}
$copy = preg_replace('#<cbc:UUID>[^<]*</cbc:UUID>#', '<cbc:UUID>' . uuid4() . '</cbc:UUID>', $copy, 1);
$copy = preg_replace('#<cbc:ID>[^<]*</cbc:ID>#', '<cbc:ID></cbc:ID>', $copy, 1); // the first cbc:ID is the number

try {
    $sent = call($client, 'SendInvoice', ['document' => $copy, 'assignNumber' => true], $user, $password)->invoice;
    echo "sent {$sent->ettn} as {$sent->invoiceNumber}\n";
    follow($client, $sent->ettn, ['SUCCESS', 'ERROR'], $user, $password);
    call($client, 'CancelInvoice', ['ettn' => $sent->ettn], $user, $password);
    follow($client, $sent->ettn, ['CANCEL_REPORTED', 'ERROR'], $user, $password);
} catch (SoapFault $f) {
    // A refusal's detail is a typed GatewayFault: code, name, message (and failures, each rule).
    $g = $f->detail->GatewayFault ?? null;
    fwrite(STDERR, $g ? "refused: {$g->code} {$g->name}: {$g->message}\n" : "refused: {$f->getMessage()}\n");
    exit(1);
}
