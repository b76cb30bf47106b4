#!/usr/bin/env bash
# SendInvoice with nothing but bash, openssl and curl: computes the WS-Security PasswordDigest
# (Base64(SHA-1(nonce + created + password)), the nonce as raw bytes) and posts one invoice file.
#
#   GW_URL=http://127.0.0.1:8080 GW_USER=demo GW_PASSWORD=… examples/curl/send-invoice.sh examples/invoices/earsiv-kisiye.xml
#
# Prints the gateway's answer (a SendInvoiceResponse, or a soap:Fault with a typed GatewayFault). Other operations
# take the same header: replace the Body (see the WSDL at $GW_URL/soap/gateway?wsdl).
set -euo pipefail
file=${1:?usage: send-invoice.sh INVOICE.xml [extra SendInvoiceRequest elements, e.g. '<gw:assignNumber>true</gw:assignNumber>']}
extra=${2-}
url=${GW_URL:-http://127.0.0.1:8080}
user=${GW_USER:?GW_USER is required}
password=${GW_PASSWORD:?GW_PASSWORD is required}

raw_nonce=$(mktemp)
trap 'rm -f "$raw_nonce"' EXIT
openssl rand 16 > "$raw_nonce"
created=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
# SHA-1 over the nonce's bytes, then Created and the password as UTF-8 text.
digest=$( { cat "$raw_nonce"; printf '%s%s' "$created" "$password"; } | openssl dgst -sha1 -binary | openssl base64 -A)
nonce=$(openssl base64 -A < "$raw_nonce")
document=$(openssl base64 -A < "$file")

curl -sS -X POST "$url/soap/gateway" \
  -H 'Content-Type: text/xml; charset=utf-8' \
  -H 'SOAPAction: "urn:acik-entegrator:gateway:1#SendInvoice"' \
  --data-binary @- <<XML
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:gw="urn:acik-entegrator:gateway:1">
  <soap:Header>
    <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
                   xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
      <wsse:UsernameToken>
        <wsse:Username>$user</wsse:Username>
        <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">$digest</wsse:Password>
        <wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">$nonce</wsse:Nonce>
        <wsu:Created>$created</wsu:Created>
      </wsse:UsernameToken>
    </wsse:Security>
  </soap:Header>
  <soap:Body>
    <gw:SendInvoiceRequest>
      <gw:document>$document</gw:document>
      $extra
    </gw:SendInvoiceRequest>
  </soap:Body>
</soap:Envelope>
XML
echo
