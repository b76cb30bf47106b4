/**
 * Golden tests for e-Logo's PostBoxService (issue 15): every sample SOAP request printed in the two public documents
 * (../shared/elogo/elogo-api-v16-webservices.txt, "v16"; elogo-api-webservice-document.txt, "WSD"), POSTed as printed
 * — prefixes, namespace declarations, indentation and blank lines, `<!--Optional:-->` comments, empty elements — to a
 * real gateway (with GİB's simulator behind it), and the answer compared with the document's sample response for that
 * operation where one is printed.
 *
 * What is substituted in a request is only what must change to mean something here, each listed in WHAT_CHANGES
 * below: the sessionID (from a real Login), the UUID / ETTN and number of a real invoice, the base64 `Value` (a real
 * invoice zipped with src/zip/write.ts) and its MD5 in `hash` where the sample has one, the test tenants' VKNs, user
 * names, passwords and aliases, and GetDocumentList's dates. A paramList fragment (the documents print some
 * SendDocument variants only as their paramList) is put into the same document's full SendDocument sample in place
 * of its paramList; for a kind that carries no file (cancellations, application responses) its `<tem:document>` is
 * sent empty.
 *
 * What is compared (shapeDiff): the tree of (namespace, local name) in order, nil-ness (xsi:nil) and the text of every
 * leaf, ignoring prefixes, namespace declarations, comments and whitespace between elements; a leaf whose value depends
 * on the data (a sessionID, a refId, a date, a hash…) is listed in RULES with the form it must have instead. Values
 * that do not depend on the data are compared as printed: resultCode 1, resultMsg Başarılı, LoginResult true, …
 * Operations and document kinds the gateway does not handle must get a well-formed SOAP answer saying so (a fault,
 * or resultCode -1, with "desteklenmiyor"), never an HTML page or a crash.
 *
 * The samples were copied verbatim (checked line for line against the documents); the two fixes a sample needed to be
 * XML at all are marked "Fixed:" where they are made.
 *
 * Every sample response is matched: the differences this test first found (a nil outputList and contentType where
 * e-Logo writes values, string arrays where it writes GibUserInfoType, …) were fixed in the product.
 */
import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { findIncomingInvoice } from '../../src/db/incoming-invoices';
import { findInvoice } from '../../src/db/invoices';
import { toEttn } from '../../src/ids';
import type { Tenant } from '../../src/services/tenant.service';
import { parseXml, type XmlElement } from '../../src/xml/parse';
import { zipOne } from '../../src/zip/write';
import { OTHER_VKN, TEST_PASSWORD, TEST_VKN, type TestGateway } from '../helpers/gateway';
import { startPostBoxWorld, type PostBoxWorld } from '../helpers/postbox-world';
import { makeInvoice } from '../helpers/invoices';
import { until } from '../helpers/ledger-world';

// --- the documents' samples ---------------------------------------------------------------------------------------

/** A sample as the document prints it: copied from the document, form feeds (PDF page breaks) removed. */
interface Printed {
  /** Document and lines (1-based, inclusive). */
  source: string;
  text: string;
}

interface Sample {
  op: string;
  /** Document and lines (1-based, inclusive). */
  source: string;
  /** The document's heading for it. */
  what: string;
  /**
   * 'sample': the answer must have the shape of `response` (when the document prints one);
   * 'not supported': an operation or document kind this gateway does not handle (e-İrsaliye, tax free, …).
   */
  expect: 'sample' | 'not supported';
  request: string;
  /** The document's sample response for this operation, or null when it prints none. */
  response: Printed | null;
}

/** The documents' sample responses, one per operation that prints one. */
const RESPONSES = {
  // Fixed: the document prints the first tag as `<s:Envelope:` (a stray colon; not well-formed). Here `<s:Envelope`.
  Login: { source: 'WSD l.171-185', text: `   <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

      <s:Body>

         <LoginResponse xmlns="http://tempuri.org/">

            <LoginResult>true</LoginResult>

            <sessionID>8b719071-4eba-4ebc-a01d-8259553418f5</sessionID>

         </LoginResponse>

      </s:Body>

   </s:Envelope>` },
  Logout: { source: 'WSD l.234-242', text: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

  <s:Body>

     <LogoutResponse xmlns="http://tempuri.org/"/>

  </s:Body>

</s:Envelope>` },
  SendDocument: { source: 'WSD l.621-644', text: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

   <s:Body>

      <SendDocumentResponse xmlns="http://tempuri.org/">

         <SendDocumentResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

               <a:outputList i:nil="true" xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>

               <a:resultCode>1</a:resultCode>

               <a:resultMsg>Başarılı</a:resultMsg>

         </SendDocumentResult>

         <refId>74008354</refId>

      </SendDocumentResponse>

   </s:Body>

</s:Envelope>` },
  GetDocument: { source: 'WSD l.723-770', text: `    <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

       <s:Body>

          <GetDocumentResponse xmlns="http://tempuri.org/">

             <GetDocumentResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
    xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                <a:outputList i:nil="true"
    xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>

                   <a:resultCode>1</a:resultCode>

                   <a:resultMsg>Başarılı</a:resultMsg>

                </GetDocumentResult>

             <document xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
    xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                   <a:binaryData>

                  <a:Value> </a:Value>

                  <a:contentType>base64Binary</a:contentType>

               </a:binaryData>

               <a:currentDate>2019-01-02T09:05:58.7</a:currentDate>

               <a:envelopeId>71636003-b63a-4104-a6ae-ee387a41de1e</a:envelopeId>

               <a:fileName>11e107e6-d5ed-48e8-adda-ba2be9a1b751.zip</a:fileName>

               <a:gbLabel>GIB</a:gbLabel>

               <a:hash>FB9A541139223FE74FD678AB43E91725</a:hash>

               <a:pkLabel>urn:mail:defaultgb@diyalogo.com.tr</a:pkLabel>

         </document>

      </GetDocumentResponse>

   </s:Body>

</s:Envelope>` },
  GetDocumentDone: { source: 'WSD l.839-860', text: `    <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

       <s:Body>

         <GetDocumentDoneResponse xmlns="http://tempuri.org/">

         <GetDocumentDoneResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

           <a:outputList i:nil="true" xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>

                  <a:resultCode>1</a:resultCode>

                      <a:resultMsg>Başarılı</a:resultMsg>

                       </GetDocumentDoneResult>

                  </GetDocumentDoneResponse>

            </s:Body>

      </s:Envelope>` },
  GetDocumentData: { source: 'WSD l.967-1007', text: `  <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

     <s:Body>

        <GetDocumentDataResponse xmlns="http://tempuri.org/">

           <GetDocumentDataResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
  xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                 <a:outputList i:nil="true" xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>

                 <a:resultCode>1</a:resultCode>

                 <a:resultMsg>Başarılı</a:resultMsg>

           </GetDocumentDataResult>

           <document xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
  xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                 <a:binaryData>

                    <a:Value></a:Value>

                    <a:contentType>base64Binary</a:contentType>

                 </a:binaryData>

                 <a:currentDate>2020-05-07T15:01:13.3180742+03:00</a:currentDate>

                 <a:fileName>473a21e3-3de5-418b-8e3a-606a82b9bb3e.zip</a:fileName>

                 <a:hash>A56C4CCB1B31168B21D9A80E63D553F4</a:hash>

           </document>

        </GetDocumentDataResponse>

     </s:Body>

  </s:Envelope>` },
  GetDocumentStatus: { source: 'WSD l.1120-1162', text: `  <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

     <s:Body>

        <GetDocumentStatusResponse xmlns="http://tempuri.org/">

           <GetDocumentStatusResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
  xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                 <a:outputList xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

                    <b:string>ElementId=GZD2020000000973</b:string>

                 </a:outputList>

                 <a:resultCode>1</a:resultCode>

                 <a:resultMsg>Başarılı</a:resultMsg>

           </GetDocumentStatusResult>

           <statusInfo xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
  xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                 <a:code>50</a:code>

                 <a:currentDate>2020-05-28T14:37:56.23</a:currentDate>

                 <a:description>GIB'e gönderildi</a:description>

                 <a:envelopeId>44bd30f2-9807-43c8-bf1b-cbb5ab850871</a:envelopeId>

                 <a:isCancel>false</a:isCancel>

                 <a:status>1</a:status>

           </statusInfo>

        </GetDocumentStatusResponse>

     </s:Body>

  </s:Envelope>` },
  getDocumentStatusEx: { source: 'WSD l.1248-1268', text: `  <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

        <s:Body>

           <getDocumentStatusExResponse xmlns="http://tempuri.org/">

              <respStatus>1</respStatus>

              <responseCode>41</responseCode>

              <responseDesc>Henüz GIB'e gönderilmedi</responseDesc>

              <envelopeId/>

              <currentDate>2020-06-19T15:32:27.533</currentDate>

           </getDocumentStatusExResponse>

        </s:Body>

     </s:Envelope>` },
  GetDocumentList: { source: 'WSD l.1381-1427', text: `  <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

      <s:Body>

         <GetDocumentListResponse xmlns="http://tempuri.org/">

            <GetDocumentListResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
   xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

               <a:outputList i:nil="true"
   xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>

                 <a:resultCode>1</a:resultCode>
                   <a:resultMsg>Başarılı</a:resultMsg>

                </GetDocumentListResult>

             <docList xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
    xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                 <a:Document>

                         <a:docInfo xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

                           <b:string>ENVELOPEID=0c42b343-38d2-4b78-ade8-30060caf2a90</b:string>

                         </a:docInfo>

                         <a:documentId i:nil="true"/>

                         <a:documentJSon i:nil="true"/>

                         <a:documentUuid>938CCECC-4C48-4BFB-84D5-C3ACDD46DACB</a:documentUuid>

                   </a:Document>

                           .
                           .
                           .

                   </docList>

             </GetDocumentListResponse>

       </s:Body>

    </s:Envelope>` },
  CheckGibUser: { source: 'WSD l.1493-1609', text: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

    <s:Body>

       <CheckGibUserResponse xmlns="http://tempuri.org/">

          <CheckGibUserResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
 xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

             <a:outputList i:nil="true"
 xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"/>

               <a:resultCode>1</a:resultCode>

               <a:resultMsg>Başarılı</a:resultMsg>

          </CheckGibUserResult>

          <userList xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
 xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

               <a:GibUserType>

                  <a:DespatchAdvice>2</a:DespatchAdvice>

                  <a:DespatchAdviceGbList>

                    <a:GibUserInfoType>

                       <a:Alias>urn:mail:defaultgb@diyalogo.com.tr</a:Alias>

                       <a:AliasCreationTime i:nil="true"/>

                       <a:FirstCreationTime>2012-11-08T10:20:49</a:FirstCreationTime>

                       <a:Identifier>6090408038</a:Identifier>

                       <a:Title>LOGO ELEKTRONİK TİCARET HİZMETLERİ ANONİM ŞİRKETİ</a:Title>

                       <a:Type>OZEL</a:Type>

                    </a:GibUserInfoType>

                  </a:DespatchAdviceGbList>

                  <a:DespatchAdvicePkList>

                    <a:GibUserInfoType>

                       <a:Alias>urn:mail:defaultpk@diyalogo.com.tr</a:Alias>

                       <a:AliasCreationTime i:nil="true"/>

                       <a:FirstCreationTime>2012-11-08T10:20:49</a:FirstCreationTime>

                       <a:Identifier>6090408038</a:Identifier>

                       <a:Title>LOGO ELEKTRONİK TİCARET HİZMETLERİ ANONİM ŞİRKETİ</a:Title>
                           <a:Type>OZEL</a:Type>

                        </a:GibUserInfoType>

                      </a:DespatchAdvicePkList>

                      <a:Identifier>6090408038</a:Identifier>

                      <a:Invoice>2</a:Invoice>

                      <a:InvoiceGbList>

                        <a:GibUserInfoType>

                           <a:Alias>urn:mail:defaultgb@diyalogo.com.tr</a:Alias>

                           <a:AliasCreationTime i:nil="true"/>

                           <a:FirstCreationTime>2012-11-08T10:20:49</a:FirstCreationTime>

                           <a:Identifier>6090408038</a:Identifier>

                           <a:Title>LOGO ELEKTRONİK TİCARET HİZMETLERİ ANONİM ŞİRKETİ</a:Title>

                           <a:Type>OZEL</a:Type>

                        </a:GibUserInfoType>

                      </a:InvoiceGbList>

                      <a:InvoicePkList>

                        <a:GibUserInfoType>

                           <a:Alias>urn:mail:defaultpk@diyalogo.com.tr</a:Alias>

                           <a:AliasCreationTime i:nil="true"/>

                           <a:FirstCreationTime>2012-11-08T10:20:49</a:FirstCreationTime>

                           <a:Identifier>6090408038</a:Identifier>

                           <a:Title>LOGO ELEKTRONİK TİCARET HİZMETLERİ ANONİM ŞİRKETİ</a:Title>

                           <a:Type>OZEL</a:Type>

                        </a:GibUserInfoType>

                      </a:InvoicePkList>

                   </a:GibUserType>

             </userList>

          </CheckGibUserResponse>

       </s:Body>

    </s:Envelope>` },
  getUserListNew: { source: 'WSD l.1683-1712', text: `      <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

         <s:Body>

             <getUserListNewResponse xmlns="http://tempuri.org/">

               <getUserListNewResult xmlns:a="http://schemas.datacontract.org/2004/07/eFaturaWebService"
      xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                     <a:binaryData>

                        <a:Value>UEsDBBQACAgIAEEBvFAAAAAAAAAAAAAAAAARAAAAbmV3VXNlclBrTGlzdC5....</a:Value>

                        <a:contentType>base64Binary</a:contentType>

                     </a:binaryData>

                     <a:currentDate>2020-05-29T09:13:52.9849737+03:00</a:currentDate>

                     <a:fileName>NewUserPkList.zip</a:fileName>

                     <a:hash>0B3BEDD20F9F838F37F60B136DA2EDC0</a:hash>

                </getUserListNewResult>

             </getUserListNewResponse>

         </s:Body>

      </s:Envelope>` },
  getEnvelopeList: { source: 'WSD l.1831-1854', text: `        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

           <s:Body>

              <getEnvelopeListResponse xmlns="http://tempuri.org/">

                 <getEnvelopeListResult xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"
        xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

                       <a:string>C5029096-D3C6-4EE9-A51E-B831CB4257A9</a:string>

                       <a:string>DBA941CF-D286-44A6-A42D-B8CF21B331E6</a:string>

                           .
                           .
                           .

                 </getEnvelopeListResult>

              </getEnvelopeListResponse>

           </s:Body>

        </s:Envelope>` },
  getInvoiceApplicationResponse: { source: 'WSD l.1915-1927', text: `      <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

          <s:Body>

             <getInvoiceApplicationResponseResponse xmlns="http://tempuri.org/">

                <getInvoiceApplicationResponseResult>3</getInvoiceApplicationResponseResult>

             </getInvoiceApplicationResponseResponse>

          </s:Body>

      </s:Envelope>` },
  getInvoiceList: { source: 'WSD l.1998-2032', text: `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">

   <s:Body>

      <getInvoiceListResponse xmlns="http://tempuri.org/">

         <getInvoiceListResult
xmlns:a="http://schemas.microsoft.com/2003/10/Serialization/Arrays"
xmlns:i="http://www.w3.org/2001/XMLSchema-instance">

               <a:string>D659D153-6760-4B7E-9C11-056C2E74C5AB</a:string>

               <a:string>A7A19C0D-AE92-477F-A1DF-36BBDF64C239</a:string>

               <a:string>C264E3C6-7A2D-4CD5-87FF-1F735890D889</a:string>

               <a:string>33387C4A-07C9-47DE-806F-774BEB7A0DAC</a:string>

               <a:string>3BC89800-1AA3-4889-8BFF-1E94DEC626E0</a:string>

               <a:string>5337FB76-A339-4A43-9827-7B7D8216404A</a:string>

               <a:string>1CD8E0D7-F774-4887-A40E-6DF94C5BCD24</a:string>

               <a:string>AB37D59A-936B-4F93-8B7D-4FBEA8F003C0</a:string>

               <a:string>794D409B-4275-4F8A-95D0-98294AB4D560</a:string>

         </getInvoiceListResult>

      </getInvoiceListResponse>

   </s:Body>

</s:Envelope>` },
} satisfies Record<string, Printed>;

/** Every sample request of the documents (paramList fragments included), in document order: v16, then WSD. */
const SAMPLES: Sample[] = [
  { op: 'Login', source: 'v16 l.954-969', expect: 'sample', what: 'request', request: ` <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:tem="http://tempuri.org/"
 xmlns:efat="http://schemas.datacontract.org/2004/07/eFaturaWebService">
   <soapenv:Header/>
   <soapenv:Body>
     <tem:Login>
       <tem:login>
         <efat:appStr></efat:appStr>
         <efat:passWord>123456</efat:passWord>
         <efat:source></efat:source>
         <efat:userName>ELOGOGIB</efat:userName>
         <efat:version></efat:version>
       </tem:login>
     </tem:Login>
   </soapenv:Body>
 </soapenv:Envelope>`, response: RESPONSES.Login },
  { op: 'Logout', source: 'v16 l.976-984', expect: 'sample', what: 'request', request: ` <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:tem="http://tempuri.org/">
    <soapenv:Header/>
    <soapenv:Body>
       <tem:Logout>
          <tem:sessionID>155c0c50-cd86-4bec-b87f-189dd26717ba</tem:sessionID>
       </tem:Logout>
    </soapenv:Body>
 </soapenv:Envelope>`, response: RESPONSES.Logout },
  { op: 'SendDocument', source: 'v16 l.997-1021', expect: 'sample', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays"
xmlns:efat="http://schemas.datacontract.org/2004/07/eFaturaWebService">
  <soapenv:Header/>
  <soapenv:Body>
    <tem:SendDocument>
      <tem:sessionID>155c0c50-cd86-4bec-b87f-189dd26717ba</tem:sessionID>
      <tem:paramList>
        <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>
        <arr:string>DATASOURCE=JGUAR</arr:string>
        <arr:string>ALIAS=urn:mail:defaultpk@test.com.tr</arr:string>
      </tem:paramList>
      <tem:document>
        <efat:binaryData>
          <efat:Value>UEsDBBQAAAAIANZ2fky.......</efat:Value>
          <efat:contentType>base64</efat:contentType>
        </efat:binaryData>
        <efat:currentDate>2018-03-30</efat:currentDate>
        <efat:fileName>2f5bc4d6-cf98-403b-a4a4-c52fc4fae68a.zip</efat:fileName>
        <efat:hash>098F6BCD4621D373CADE4E832627B4F6</efat:hash>
      </tem:document>
    </tem:SendDocument>
  </soapenv:Body>
</soapenv:Envelope>`, response: RESPONSES.SendDocument },
  // Fixed: the document's fragment lacks its closing `</tem:paramList>` (the table cell ends); added as the last line.
  { op: 'SendDocument', source: 'v16 l.218-227', expect: 'sample', what: 'paramList fragment (DOCUMENTTYPE=CANCELEARCHIVEINVOICE)', request: `                                                   <tem:paramList>
                                                       <arr:string>
                                                       DOCUMENTTYPE=CANCELEARCHIVEINVOICE
                                                       </arr:string>
                                                       <arr:string>
                                                       UUID=ec165791-a557-476f-a956-1ca06c2b5a5b
                                                       </arr:string>
                                                       <arr:string>
                                                       ELEMENTID=ABC2018100000001
                                                       </arr:string>
                                                   </tem:paramList>`, response: RESPONSES.SendDocument },
  { op: 'SendDocument', source: 'v16 l.254-261', expect: 'not supported', what: 'paramList fragment (DOCUMENTTYPE=CANCELTAXFREEINVOICEBYUUID)', request: `                                                   <tem:paramList>
                                                       <arr:string>
                                                       DOCUMENTTYPE=CANCELTAXFREEINVOICEBYUUID
                                                       </arr:string>
                                                       <arr:string>
                                                       UUID=ec162791-a507-476f-a926-1ca06c2b5a7b
                                                       </arr:string>
                                                   </tem:paramList>`, response: RESPONSES.SendDocument },
  { op: 'GetDocument', source: 'v16 l.1028-1040', expect: 'sample', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
   <soapenv:Header/>
   <soapenv:Body>
      <tem:GetDocument>
         <tem:sessionID>155c0c50-cd86-4bec-b87f-189dd26717ba</tem:sessionID>
          <tem:paramList>
             <arr:string>DOCUMENTTYPE=APPLICATIONRESPONSE</arr:string>
         </tem:paramList>
      </tem:GetDocument>
   </soapenv:Body>
</soapenv:Envelope>`, response: RESPONSES.GetDocument },
  { op: 'GetDocumentDone', source: 'v16 l.1047-1060', expect: 'sample', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
  <soapenv:Header/>
  <soapenv:Body>
    <tem:GetDocumentDone>
      <tem:sessionID>155c0c50-cd86-4bec-b87f-189dd26717ba</tem:sessionID>
      <tem:uuid>c46a10e2-c60d-423a-a2ce-39f293d74552</tem:uuid>
      <tem:paramList>
        <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>
      </tem:paramList>
    </tem:GetDocumentDone>
  </soapenv:Body>
</soapenv:Envelope>`, response: RESPONSES.GetDocumentDone },
  { op: 'GetDocumentStatus', source: 'v16 l.1073-1086', expect: 'sample', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
  <soapenv:Header/>
  <soapenv:Body>
    <tem:GetDocumentStatus>
      <tem:sessionID>155c0c50-cd86-4bec-b87f-189dd26717ba</tem:sessionID>
      <tem:uuid>c46a10e2-c60d-423a-a2ce-39f293d74552</tem:uuid>
      <tem:paramList>
        <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>
      </tem:paramList>
    </tem:GetDocumentStatus>
  </soapenv:Body>
</soapenv:Envelope>`, response: RESPONSES.GetDocumentStatus },
  { op: 'GetDocumentData', source: 'v16 l.1093-1107', expect: 'sample', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
  <soapenv:Header/>
  <soapenv:Body>
    <tem:GetDocumentData>
      <tem:sessionID>155c0c50-cd86-4bec-b87f-189dd26717ba</tem:sessionID>
      <tem:uuid>10767d51-088c-4758-be86-c12676f1c5dc</tem:uuid>
      <tem:paramList>
        <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>
        <arr:string>DATAFORMAT=UBL</arr:string>
      </tem:paramList>
    </tem:GetDocumentData>
  </soapenv:Body>
</soapenv:Envelope>`, response: RESPONSES.GetDocumentData },
  { op: 'GetValidateGIBUser', source: 'v16 l.1114-1127', expect: 'sample', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
  <soapenv:Header/>
  <soapenv:Body>
    <tem:GetValidateGIBUser>
      <tem:sessionID>be911ff4-cc6e-4821-92d4-7c4cd0dd4600</tem:sessionID>
      <tem:paramList>
        <arr:string>VKN=1234567890</arr:string>
        <arr:string>DOCUMENTTYPE=0</arr:string>
      </tem:paramList>
    </tem:GetValidateGIBUser>
  </soapenv:Body>
</soapenv:Envelope>`, response: null },
  { op: 'Login', source: 'WSD l.138-165', expect: 'sample', what: 'request', request: ` <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:tem="http://tempuri.org/" xmlns:efat="http://schemas.datacontract.org/2004/07/eFaturaWebService">

   <soapenv:Header/>

   <soapenv:Body>

     <tem:Login>

       <tem:login>

         <efat:appStr></efat:appStr>

         <efat:passWord>123456</efat:passWord>

         <efat:source></efat:source>

         <efat:userName>ELOGOGIB</efat:userName>

         <efat:version></efat:version>

       </tem:login>

     </tem:Login>

   </soapenv:Body>

 </soapenv:Envelope>`, response: RESPONSES.Login },
  { op: 'Logout', source: 'WSD l.210-226', expect: 'sample', what: 'request', request: `  <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/">

     <soapenv:Header/>

     <soapenv:Body>

        <tem:Logout>

              <!--Optional:-->

              <tem:sessionID>8b719071-4eba-4ebc-a01d-8259553418f5</tem:sessionID>

        </tem:Logout>

     </soapenv:Body>

  </soapenv:Envelope>`, response: RESPONSES.Logout },
  { op: 'SendDocument', source: 'WSD l.500-506', expect: 'sample', what: 'paramList fragment (DOCUMENTTYPE=CREATEAPPLICATIONRESPONSE)', request: `     <tem:paramList>
         <arr:string>DOCUMENTTYPE=CREATEAPPLICATIONRESPONSE</arr:string>
         <arr:string>UUID=37dcd137-9123-4608-b216-7589ad9cc68a</arr:string>
         <arr:string>APPLICATIONRESPONSE=KABUL</arr:string>
         <arr:string>DESCRIPTION=KABUL EDİLMİŞTİR.</arr:string>
         <arr:string>ALIAS=urn:mail:defaultgb@elogo.com.tr</arr:string>
     </tem:paramList>`, response: RESPONSES.SendDocument },
  { op: 'SendDocument', source: 'WSD l.513-517', expect: 'sample', what: 'paramList fragment (DOCUMENTTYPE=CANCELEARCHIVEINVOICE)', request: `     <tem:paramList>
         <arr:string>DOCUMENTTYPE=CANCELEARCHIVEINVOICE</arr:string>
         <arr:string>UUID=ec165791-a557-476f-a956-1ca06c2b5a5b</arr:string>
         <arr:string>ELEMENTID=ABC2018100000001</arr:string>
     </tem:paramList>`, response: RESPONSES.SendDocument },
  { op: 'SendDocument', source: 'WSD l.520-523', expect: 'not supported', what: 'paramList fragment (DOCUMENTTYPE=CANCELTAXFREEINVOICEBYUUID)', request: `     <tem:paramList>
        <arr:string>DOCUMENTTYPE=CANCELTAXFREEINVOICEBYUUID</arr:string>
        <arr:string>UUID=ec162791-a507-476f-a926-1ca06c2b5a7b</arr:string>
      </tem:paramList>`, response: RESPONSES.SendDocument },
  { op: 'SendDocument', source: 'WSD l.531-543', expect: 'sample', what: 'paramList fragment (SETDOCUMENTNUMBER)', request: `     <tem:paramList>

             <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>

             <arr:string>ALIAS=urn:mail:defaultpk@diyalogo.com.tr</arr:string>

             <arr:string>SETDOCUMENTNUMBER=1</arr:string>

             <arr:string>DOCUMENTNUMBERTYPE=SERIALCODE</arr:string>

             <arr:string>DOCUMENTNUMBERPREFIX=JKL</arr:string>

    </tem:paramList>`, response: RESPONSES.SendDocument },
  { op: 'SendDocument', source: 'WSD l.553-617', expect: 'sample', what: 'request (e-Fatura)', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays"
xmlns:efat="http://schemas.datacontract.org/2004/07/eFaturaWebService">

      <soapenv:Header/>

      <soapenv:Body>

         <tem:SendDocument>

            <!--Optional:-->

            <tem:sessionID>34138d7b-48df-480f-a743-01c7b7a8ef0e</tem:sessionID>

            <!--Optional:-->

            <tem:paramList>

               <!--Zero or more repetitions:-->

               <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>

               <arr:string>ALIAS=urn:mail:defaultpk@diyalogo.com.tr</arr:string>

               <arr:string>XSLTUUID=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</arr:string>

             </tem:paramList>

            <!--Optional:-->

            <tem:document>

               <!--Optional:-->

               <efat:binaryData>

                     <!--Optional:-->

                      <efat:Value> UEsDBBQAAAAIABec0VDLkYqe0nkAAMmqAQA....</efat:Value>

               <!--Optional:-->

               <efat:contentType/>

            </efat:binaryData>

            <!--Optional:-->

            <efat:currentDate>2020-04-24</efat:currentDate>

            <!--Optional:-->

            <efat:fileName>EEB8B604-E1ED-4F2F-9320-7C08FD07C068.zip</efat:fileName>

            <!--Optional:-->

            <efat:hash/>

         </tem:document>

      </tem:SendDocument>

   </soapenv:Body>

</soapenv:Envelope>`, response: RESPONSES.SendDocument },
  { op: 'GetDocument', source: 'WSD l.692-719', expect: 'sample', what: 'request', request: `  <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
  xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

     <soapenv:Header/>

     <soapenv:Body>

        <tem:GetDocument>

           <!--Optional:-->

           <tem:sessionID>a2d1d73e-eabf-4dd2-b23e-a812ef324724</tem:sessionID>

           <!--Optional:-->

           <tem:paramList>

              <!--Zero or more repetitions:-->

              <arr:string>DOCUMENTTYPE=SYSTEMRESPONSE</arr:string>

           </tem:paramList>

        </tem:GetDocument>

     </soapenv:Body>

</soapenv:Envelope>`, response: RESPONSES.GetDocument },
  { op: 'GetDocumentDone', source: 'WSD l.804-835', expect: 'not supported', what: 'request', request: `  <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

     <soapenv:Header/>

         <soapenv:Body>

             <tem:GetDocumentDone>

                 <!--Optional:-->

                 <tem:sessionID>ce47f430-3fc3-42e7-86ea-02b4de5b6861</tem:sessionID>

                 <!--Optional:-->

                 <tem:uuid>acc8f25a-6463-428e-8989-dff27041e6e0</tem:uuid>

                 <!--Optional:-->

                 <tem:paramList>

                 <!--Zero or more repetitions:-->

                  <arr:string>DOCUMENTTYPE=DESPATCHADVICE</arr:string>

              </tem:paramList>

          </tem:GetDocumentDone>

      </soapenv:Body>

   </soapenv:Envelope>`, response: RESPONSES.GetDocumentDone },
  { op: 'GetDocumentData', source: 'WSD l.930-963', expect: 'not supported', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

<soapenv:Header/>

   <soapenv:Body>

      <tem:GetDocumentData>

         <!--Optional:-->

         <tem:sessionID>8b2212ef-e6f3-46a3-84e1-a8e962f7a3d0</tem:sessionID>

         <!--Optional:-->

         <tem:uuid>473a21e3-3de5-418b-8e3a-606a82b9bb3e</tem:uuid>

         <!--Optional:-->

         <tem:paramList>

            <!--Zero or more repetitions:-->

            <arr:string>DOCUMENTTYPE=DESPATCHADVICE</arr:string>

            <arr:string>DATAFORMAT=HTML</arr:string>

          </tem:paramList>

      </tem:GetDocumentData>

   </soapenv:Body>

</soapenv:Envelope>`, response: RESPONSES.GetDocumentData },
  { op: 'GetDocumentStatus', source: 'WSD l.1085-1116', expect: 'sample', what: 'request', request: `  <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
  xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

     <soapenv:Header/>

     <soapenv:Body>

        <tem:GetDocumentStatus>

           <!--Optional:-->

           <tem:sessionID>32be54d8-db8d-461d-abfa-36f82995e5ef</tem:sessionID>

           <!--Optional:-->

           <tem:uuid>BBE8B13B-BE71-4382-829A-76DC3ABA9922</tem:uuid>

           <!--Optional:-->

           <tem:paramList>

              <!--Zero or more repetitions:-->

              <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>

           </tem:paramList>

        </tem:GetDocumentStatus>

     </soapenv:Body>

  </soapenv:Envelope>`, response: RESPONSES.GetDocumentStatus },
  { op: 'getDocumentStatusEx', source: 'WSD l.1214-1243', expect: 'not supported', what: 'request', request: `     <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
     xmlns:tem="http://tempuri.org/">

        <soapenv:Header/>

        <soapenv:Body>

           <tem:getDocumentStatusEx>

              <!--Optional:-->

              <tem:docType>1</tem:docType>

              <!--Optional:-->

              <tem:uuid>07429283-f5f4-4eca-b10d-1ba36d09dbe9</tem:uuid>

              <!--Optional:-->

              <tem:relRef>154059359</tem:relRef>

              <!--Optional:-->

              <tem:sessionID>5f99d6e3-4604-4625-81f0-b582b143e200</tem:sessionID>

           </tem:getDocumentStatusEx>

        </soapenv:Body>

     </soapenv:Envelope>`, response: RESPONSES.getDocumentStatusEx },
  { op: 'GetDocumentList', source: 'WSD l.1339-1373', expect: 'sample', what: 'request', request: `  <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
  xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

     <soapenv:Header/>

     <soapenv:Body>

        <tem:GetDocumentList>

           <!--Optional:-->

           <tem:sessionID>8bea6ccf-ea0a-4cdb-87ca-bd2d6b2f02ee</tem:sessionID>

           <!--Optional:-->
           <tem:paramList>

              <!--Zero or more repetitions:-->

              <arr:string>DOCUMENTTYPE=EINVOICE</arr:string>

              <arr:string>BEGINDATE=2020-05-28</arr:string>

              <arr:string>ENDDATE=2020-05-28</arr:string>

              <arr:string>OPTYPE=1</arr:string>

              <arr:string>DATEBY=0</arr:string>

           </tem:paramList>

        </tem:GetDocumentList>

     </soapenv:Body>

  </soapenv:Envelope>`, response: RESPONSES.GetDocumentList },
  { op: 'CheckGibUser', source: 'WSD l.1459-1487', expect: 'sample', what: 'request', request: `     <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
     xmlns:tem="http://tempuri.org/"
     xmlns:arr="http://schemas.microsoft.com/2003/10/Serialization/Arrays">

        <soapenv:Header/>

        <soapenv:Body>

           <tem:CheckGibUser>

              <!--Optional:-->

              <tem:sessionID>60f61bcc-85b2-4012-ba4a-1a66dfe6ae2b</tem:sessionID>

              <!--Optional:-->

              <tem:vknTcknList>

                 <!--Zero or more repetitions:-->

                 <arr:string>6090408038</arr:string>

              </tem:vknTcknList>

           </tem:CheckGibUser>

        </soapenv:Body>

     </soapenv:Envelope>`, response: RESPONSES.CheckGibUser },
  { op: 'getUserListNew', source: 'WSD l.1650-1679', expect: 'sample', what: 'request', request: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
xmlns:tem="http://tempuri.org/" xmlns:efat="http://schemas.datacontract.org/2004/07/eFaturaWebService">

   <soapenv:Header/>

   <soapenv:Body>

      <tem:getUserListNew>

         <tem:login>

               <efat:appStr></efat:appStr>

                <efat:passWord>123456</efat:passWord>

                      <efat:source></efat:source>

               <efat:userName>ELOGOGIB</efat:userName>

        <efat:version></efat:version>

         </tem:login>

          <tem:listType>PKLIST</tem:listType>

      </tem:getUserListNew>

   </soapenv:Body>

</soapenv:Envelope>`, response: RESPONSES.getUserListNew },
  { op: 'getApplicationResponse', source: 'WSD l.1730-1751', expect: 'not supported', what: 'request', request: `        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
        xmlns:tem="http://tempuri.org/">

           <soapenv:Header/>

           <soapenv:Body>

              <tem:getApplicationResponse>

                 <!--Optional:-->

                 <tem:envelopeID>a5d4de21-a340-431e-b360-7e9d6199cea1</tem:envelopeID>

                 <!--Optional:-->

                 <tem:sessionID>b3464c52-bebf-4ae7-b856-f931951ba77f</tem:sessionID>

              </tem:getApplicationResponse>

           </soapenv:Body>

        </soapenv:Envelope>`, response: null },
  { op: 'getEnvelopeList', source: 'WSD l.1793-1826', expect: 'not supported', what: 'request', request: `    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:tem="http://tempuri.org/">

       <soapenv:Header/>

       <soapenv:Body>

          <tem:getEnvelopeList>

             <!--Optional:-->

             <tem:beginDate>2020-06-05</tem:beginDate>

             <!--Optional:-->

             <tem:endDate>2020-06-05</tem:endDate>

             <!--Optional:-->

             <tem:opType>SEND</tem:opType>

             <!--Optional:-->

             <tem:sessionID>65fbccbe-f79d-4c93-95fd-8e022563fa88</tem:sessionID>

             <!--Optional:-->

             <tem:dateBy>byCREATED</tem:dateBy>

          </tem:getEnvelopeList>

       </soapenv:Body>

</soapenv:Envelope>`, response: RESPONSES.getEnvelopeList },
  { op: 'getInvoiceApplicationResponse', source: 'WSD l.1889-1910', expect: 'not supported', what: 'request', request: `    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:tem="http://tempuri.org/">

        <soapenv:Header/>

        <soapenv:Body>

           <tem:getInvoiceApplicationResponse>

                <!--Optional:-->

                <tem:sessionID>3669ee15-e726-4a56-89fd-1567482b42b5</tem:sessionID>

                <!--Optional:-->

                <tem:uuid>EF2F04FB-BCEC-4B4C-A76C-817E39B518C7</tem:uuid>

           </tem:getInvoiceApplicationResponse>

        </soapenv:Body>

     </soapenv:Envelope>`, response: RESPONSES.getInvoiceApplicationResponse },
  { op: 'getInvoiceList', source: 'WSD l.1964-1997', expect: 'not supported', what: 'request', request: `    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:tem="http://tempuri.org/">

       <soapenv:Header/>

       <soapenv:Body>

          <tem:getInvoiceList>

             <!--Optional:-->

             <tem:beginDate>2020-06-19</tem:beginDate>

             <!--Optional:-->

             <tem:endDate>2020-06-22</tem:endDate>

             <!--Optional:-->

             <tem:opType>SEND</tem:opType>

             <!--Optional:-->

             <tem:sessionID>1ce77fe3-9347-47c1-9325-5325dbc62fd3</tem:sessionID>

             <!--Optional:-->

             <tem:dateBy>byISSUEDATE</tem:dateBy>

          </tem:getInvoiceList>

       </soapenv:Body>

    </soapenv:Envelope>`, response: RESPONSES.getInvoiceList },
];

// --- the shape comparer -------------------------------------------------------------------------------------------

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const TEMPURI = 'http://tempuri.org/';
const DC = 'http://schemas.datacontract.org/2004/07/eFaturaWebService';
const ARR = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays';

/** How a data-dependent leaf must look instead of its printed value ('any': not compared). */
type ValueRule = 'any' | RegExp;

interface ShapeRules {
  /** Leaves whose value depends on the data, by path of local names below s:Body. */
  values?: Record<string, ValueRule>;
  /** Elements holding a list: the sample's first child is the template of every child of the answer (one or more). */
  lists?: string[];
  /** Elements whose nil-ness depends on the data (e.g. the sample's company has e-İrsaliye aliases, the tests' do not). */
  nillable?: string[];
}

const isNil = (el: XmlElement) => el.attrs.some((a) => a.ns === XSI && a.local === 'nil' && a.value.trim() === 'true');
const SHORT: Record<string, string> = { [SOAP11]: 's', [TEMPURI]: 'tem', [DC]: 'dc', [ARR]: 'arr' };
/** An element's name for the messages: its namespace by the short names above (tem:, dc:, arr:), else in braces. */
const qname = (el: XmlElement) => (SHORT[el.ns] ? `${SHORT[el.ns]}:${el.local}` : `{${el.ns}}${el.local}`);

/** The differences between the sample's tree and the answer's, one line each; [] when they have the same shape. */
function shapeDiff(expected: XmlElement, actual: XmlElement, rules: ShapeRules = {}): string[] {
  const diffs: string[] = [];
  const walk = (e: XmlElement, a: XmlElement, shown: string, rule: string) => {
    if (e.ns !== a.ns || e.local !== a.local) {
      diffs.push(`${shown}: expected element ${qname(e)}, got ${qname(a)}`);
      return;
    }
    const en = isNil(e);
    const an = isNil(a);
    if (en !== an) {
      if (!rules.nillable?.includes(rule)) diffs.push(`${shown}: expected ${en ? 'i:nil="true"' : 'a value'}, got ${an ? 'i:nil="true"' : 'a value'}`);
      return;
    }
    if (en) return;
    const below = (c: XmlElement) => (rule === '' ? c.local : `${rule}/${c.local}`);
    if (rules.lists?.includes(rule)) {
      const template = e.children[0]!;
      if (a.children.length === 0) diffs.push(`${shown}: expected one or more ${qname(template)}, got none`);
      a.children.forEach((c, i) => walk(template, c, `${shown}/${template.local}[${i}]`, below(template)));
      return;
    }
    if (e.children.length === 0 && a.children.length === 0) {
      const want = e.text.trim();
      const got = a.text.trim();
      const r = rules.values?.[rule];
      if (r === undefined ? want !== got : r !== 'any' && !r.test(got)) diffs.push(`${shown}: expected ${r === undefined ? JSON.stringify(want) : `a value matching ${r}`}, got ${JSON.stringify(got)}`);
      return;
    }
    const names = (el: XmlElement) => el.children.map(qname).join(', ');
    const same = e.children.length === a.children.length && e.children.every((c, i) => c.ns === a.children[i]!.ns && c.local === a.children[i]!.local);
    if (!same) diffs.push(`${shown}: expected children (${names(e)}), got (${names(a)})${a.children.length === 0 ? ` (text ${JSON.stringify(a.text.trim().slice(0, 60))})` : ''}`);
    // Go on below the children both have, so that one missing element does not hide the rest.
    const used = new Set<XmlElement>();
    for (const c of e.children) {
      const match = a.children.find((x) => !used.has(x) && x.ns === c.ns && x.local === c.local);
      if (!match) continue;
      used.add(match);
      walk(c, match, `${shown}/${c.local}`, below(c));
    }
  };
  // Rule paths start below s:Body; the envelope and the body are compared too.
  const body = (el: XmlElement) => el.children.find((c) => c.ns === SOAP11 && c.local === 'Body');
  if (expected.ns !== actual.ns || expected.local !== actual.local) return [`/: expected element ${qname(expected)}, got ${qname(actual)}`];
  const eb = body(expected);
  const ab = body(actual);
  if (!eb || !ab) return [`/${expected.local}: expected an s:Body, got ${ab ? 'one' : 'none'}`];
  if (eb.children.length !== ab.children.length) diffs.push(`Body: expected ${eb.children.length} child(ren), got ${ab.children.length}`);
  eb.children.forEach((c, i) => ab.children[i] && walk(c, ab.children[i]!, c.local, c.local));
  return diffs;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;
const BASE64 = /^[A-Za-z0-9+/\s]+={0,2}$/;
const MD5 = /^[0-9a-f]{32}$/i;
const INT = /^-?\d+$/;

/** Per operation: the data-dependent parts of its sample response. Everything else is compared as printed. */
const RULES: Record<keyof typeof RESPONSES, ShapeRules> = {
  Login: { values: { 'LoginResponse/sessionID': UUID } },
  Logout: {},
  SendDocument: { values: { 'SendDocumentResponse/refId': /^[1-9]\d*$/ } },
  GetDocument: {
    values: {
      'GetDocumentResponse/document/binaryData/Value': BASE64,
      'GetDocumentResponse/document/currentDate': DATE_TIME,
      'GetDocumentResponse/document/envelopeId': UUID,
      'GetDocumentResponse/document/fileName': /^[0-9a-f-]{36}\.zip$/i,
      'GetDocumentResponse/document/gbLabel': 'any',
      'GetDocumentResponse/document/hash': MD5,
      'GetDocumentResponse/document/pkLabel': 'any',
    },
  },
  GetDocumentDone: {},
  GetDocumentData: {
    values: {
      'GetDocumentDataResponse/document/binaryData/Value': BASE64,
      'GetDocumentDataResponse/document/currentDate': DATE_TIME,
      'GetDocumentDataResponse/document/fileName': /^[0-9a-f-]{36}\.zip$/i,
      'GetDocumentDataResponse/document/hash': MD5,
    },
  },
  GetDocumentStatus: {
    values: {
      'GetDocumentStatusResponse/GetDocumentStatusResult/outputList/string': /^ElementId=[A-Z0-9]{3}\d{13}$/,
      'GetDocumentStatusResponse/statusInfo/code': INT,
      'GetDocumentStatusResponse/statusInfo/currentDate': DATE_TIME,
      'GetDocumentStatusResponse/statusInfo/description': 'any',
      'GetDocumentStatusResponse/statusInfo/envelopeId': UUID,
      'GetDocumentStatusResponse/statusInfo/status': INT,
    },
  },
  getDocumentStatusEx: {},
  GetDocumentList: {
    lists: ['GetDocumentListResponse/docList', 'GetDocumentListResponse/docList/Document/docInfo'],
    values: {
      'GetDocumentListResponse/docList/Document/docInfo/string': /^ENVELOPEID=[0-9a-f-]{36}$/i,
      'GetDocumentListResponse/docList/Document/documentUuid': UUID,
    },
  },
  CheckGibUser: {
    lists: ['InvoiceGbList', 'InvoicePkList', 'DespatchAdviceGbList', 'DespatchAdvicePkList'].map((l) => `CheckGibUserResponse/userList/GibUserType/${l}`),
    nillable: ['DespatchAdviceGbList', 'DespatchAdvicePkList', 'InvoiceGbList/GibUserInfoType/AliasCreationTime', 'InvoicePkList/GibUserInfoType/AliasCreationTime'].map((l) => `CheckGibUserResponse/userList/GibUserType/${l}`),
    values: Object.fromEntries([
      ['DespatchAdvice', INT],
      ['Identifier', /^\d{10,11}$/],
      ['Invoice', INT],
      ...['InvoiceGbList', 'InvoicePkList', 'DespatchAdviceGbList', 'DespatchAdvicePkList'].flatMap((l) => [
        [`${l}/GibUserInfoType/Alias`, /^urn:mail:/],
        [`${l}/GibUserInfoType/AliasCreationTime`, DATE_TIME],
        [`${l}/GibUserInfoType/FirstCreationTime`, DATE_TIME],
        [`${l}/GibUserInfoType/Identifier`, /^\d{10,11}$/],
        [`${l}/GibUserInfoType/Title`, 'any'],
        [`${l}/GibUserInfoType/Type`, 'any'],
      ]),
    ].map(([k, v]) => [`CheckGibUserResponse/userList/GibUserType/${k as string}`, v as ValueRule])),
  },
  getUserListNew: {
    values: {
      'getUserListNewResponse/getUserListNewResult/binaryData/Value': BASE64,
      'getUserListNewResponse/getUserListNewResult/currentDate': DATE_TIME,
      'getUserListNewResponse/getUserListNewResult/fileName': 'any',
      'getUserListNewResponse/getUserListNewResult/hash': MD5,
    },
  },
  getEnvelopeList: {},
  getInvoiceApplicationResponse: {},
  getInvoiceList: {},
};

// --- the world: a gateway, GİB's simulator, a seller and a buyer, invoices to talk about -------------------------

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
/** Today in Türkiye, ± days. */
const day = (plus = 0) => new Date(Date.now() + 3 * 3600_000 + plus * 86_400_000).toISOString().slice(0, 10);

/** The first element named `local` (depth first), or undefined. */
function find(el: XmlElement, local: string): XmlElement | undefined {
  if (el.local === local) return el;
  for (const c of el.children) {
    const f = find(c, local);
    if (f) return f;
  }
  return undefined;
}

/** `text` with every `from` replaced by `to`; each `from` must be in it (a typo here would silently test nothing). */
function substitute(text: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of pairs) {
    expect(out.includes(from), `the sample holds ${JSON.stringify(from)}`).to.equal(true);
    out = out.split(from).join(to);
  }
  return out;
}

interface Party {
  tenant: Tenant;
  userName: string;
  session: string;
}

interface Invoice {
  ettn: string;
  number: string;
}

describe('e-Logo PostBoxService: the documents\' sample SOAP messages (golden)', function () {
  this.timeout(30_000);
  let world: PostBoxWorld;
  let gw: TestGateway;
  let seller: Party;
  let buyer: Party;
  /** e-Fatura (TICARİ) seller → buyer: delivered, answered KABUL by the buyer (fixtures). */
  let e1: Invoice;
  /** e-Fatura (TICARİ) seller → buyer: delivered, not answered (the CREATEAPPLICATIONRESPONSE sample answers it). */
  let e2: Invoice;
  /** e-Arşiv invoices, Başarılı: the two CANCELEARCHIVEINVOICE samples cancel one each. */
  let a1: Invoice;
  let a2: Invoice;
  const base = () => gw.url.replace(/\/soap\/gateway$/, '');

  /** A POST as WCF clients send it: SOAP 1.1, the quoted SOAPAction of the operation. */
  async function post(op: string, xml: string) {
    const res = await fetch(`${base()}/PostBoxService.svc`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"http://tempuri.org/IPostBoxService/${op}"` },
      body: xml,
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** A plain request (not a sample) for the fixtures: `body` in an envelope. */
  async function call(op: string, body: string): Promise<XmlElement> {
    const r = await post(op, `<s:Envelope xmlns:s="${SOAP11}"><s:Body>${body}</s:Body></s:Envelope>`);
    expect(r.status, r.text).to.equal(200);
    return parseXml(r.text).root;
  }

  async function login(userName: string): Promise<string> {
    const root = await call('Login', `<Login xmlns="${TEMPURI}"><login xmlns:a="${DC}"><a:passWord>${TEST_PASSWORD}</a:passWord><a:userName>${userName}</a:userName></login></Login>`);
    return find(root, 'sessionID')!.text;
  }

  /** SendDocument for the fixtures; fails unless Başarılı. */
  async function sendFixture(session: string, params: string[], xml: string | null): Promise<void> {
    const zip = xml === null ? null : await zipOne('fatura.xml', Buffer.from(xml));
    const document = zip ? `<document xmlns:a="${DC}"><a:binaryData><a:Value>${zip.toString('base64')}</a:Value></a:binaryData><a:fileName>fatura.zip</a:fileName><a:hash>${md5(zip)}</a:hash></document>` : '<document/>';
    const root = await call('SendDocument', `<SendDocument xmlns="${TEMPURI}"><sessionID>${session}</sessionID><paramList xmlns:b="${ARR}">${params.map((p) => `<b:string>${p}</b:string>`).join('')}</paramList>${document}</SendDocument>`);
    expect(find(root, 'resultCode')?.text, find(root, 'resultMsg')?.text).to.equal('1');
  }

  async function invoice(tenant: Tenant, ettn: string): Promise<Invoice> {
    const row = await findInvoice(gw.gateway.db, tenant.id, { ettn: toEttn(ettn) });
    return { ettn, number: row!.number! };
  }

  before(async function () {
    this.timeout(60_000);
    world = await startPostBoxWorld();
    gw = world.gw;
    const buyerTenant = world.buyerTenant;
    seller = { tenant: gw.tenant, userName: gw.username, session: await login(gw.username) };
    buyer = { tenant: buyerTenant, userName: 'alici', session: await login('alici') };

    const ettns = { e1: randomUUID(), e2: randomUUID(), a1: randomUUID(), a2: randomUUID() };
    for (const ettn of [ettns.e1, ettns.e2]) await sendFixture(seller.session, ['DOCUMENTTYPE=EINVOICE'], makeInvoice({ profile: 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: OTHER_VKN, ettn }));
    for (const ettn of [ettns.a1, ettns.a2]) await sendFixture(seller.session, ['DOCUMENTTYPE=EARCHIVE'], makeInvoice({ profile: 'EARSIVFATURA', supplierVkn: TEST_VKN, ettn }));
    const db = gw.gateway.db;
    await until('the e-Fatura fixtures at the buyer', async () => ((await findIncomingInvoice(db, buyerTenant.id, toEttn(ettns.e1))) && (await findIncomingInvoice(db, buyerTenant.id, toEttn(ettns.e2))) ? true : undefined));
    await sendFixture(buyer.session, ['DOCUMENTTYPE=CREATEAPPLICATIONRESPONSE', `UUID=${ettns.e1}`, 'APPLICATIONRESPONSE=KABUL'], null);
    const state = async (ettn: string) => (await findInvoice(db, gw.tenant.id, { ettn: toEttn(ettn) }))?.state;
    await until('KABUL at the seller, the e-Arşiv fixtures Başarılı', async () =>
      (await state(ettns.e1)) === 'ACCEPTED' && (await state(ettns.a1)) === 'SUCCESS' && (await state(ettns.a2)) === 'SUCCESS' ? true : undefined,
    );
    [e1, e2, a1, a2] = await Promise.all([invoice(gw.tenant, ettns.e1), invoice(gw.tenant, ettns.e2), invoice(gw.tenant, ettns.a1), invoice(gw.tenant, ettns.a2)]);
  });

  after(async () => {
    await world?.close();
  });

  // --- what must change in each sample ----------------------------------------------------------------------------

  const bySource = (source: string) => SAMPLES.find((s) => s.source === source)!;
  /** A paramList fragment in its document's SendDocument sample, in place of that sample's paramList. */
  const inHost = (host: string, fragment: string, opts: { emptyDocument: boolean }) => {
    let xml = bySource(host).request.replace(/<tem:paramList>[\s\S]*?<\/tem:paramList>/, () => fragment.trim());
    if (opts.emptyDocument) xml = xml.replace(/<tem:document>[\s\S]*?<\/tem:document>/, '<tem:document/>');
    return xml;
  };
  /** A fresh invoice of the seller (TICARİ e-Fatura to the buyer, or e-Arşiv), zipped: its ETTN, the ZIP's base64 and MD5. */
  const freshInvoice = async (opts: { profile?: string; number?: null }) => {
    const ettn = randomUUID();
    const earsiv = opts.profile === 'EARSIVFATURA';
    const zip = await zipOne(`${ettn}.xml`, Buffer.from(makeInvoice({ profile: opts.profile ?? 'TICARIFATURA', supplierVkn: TEST_VKN, customerVkn: earsiv ? undefined : OTHER_VKN, ettn, ...(opts.number === null ? { number: null } : {}) })));
    return { ettn, base64: zip.toString('base64'), md5: md5(zip) };
  };
  const V16_SEND = 'v16 l.997-1021';
  const WSD_SEND = 'WSD l.553-617';
  const credentials = (): Array<[string, string]> => [['<efat:passWord>123456</efat:passWord>', `<efat:passWord>${TEST_PASSWORD}</efat:passWord>`], ['<efat:userName>ELOGOGIB</efat:userName>', `<efat:userName>${seller.userName}</efat:userName>`]];

  /** Per sample (by source): the request as sent, every change to the printed text listed. */
  const WHAT_CHANGES: Record<string, () => Promise<string>> = {
    'v16 l.954-969': async () => substitute(bySource('v16 l.954-969').request, credentials()),
    'v16 l.976-984': async () => substitute(bySource('v16 l.976-984').request, [['155c0c50-cd86-4bec-b87f-189dd26717ba', await login(seller.userName)]]),
    'v16 l.997-1021': async () => {
      const inv = await freshInvoice({});
      return substitute(bySource(V16_SEND).request, [
        ['155c0c50-cd86-4bec-b87f-189dd26717ba', seller.session],
        ['ALIAS=urn:mail:defaultpk@test.com.tr', `ALIAS=${buyer.tenant.pkAlias}`],
        ['UEsDBBQAAAAIANZ2fky.......', inv.base64],
        ['2f5bc4d6-cf98-403b-a4a4-c52fc4fae68a', inv.ettn],
        // The sample writes the MD5 in upper case.
        ['098F6BCD4621D373CADE4E832627B4F6', inv.md5.toUpperCase()],
      ]);
    },
    'v16 l.218-227': async () =>
      substitute(inHost(V16_SEND, bySource('v16 l.218-227').request, { emptyDocument: true }), [
        ['155c0c50-cd86-4bec-b87f-189dd26717ba', seller.session],
        ['ec165791-a557-476f-a956-1ca06c2b5a5b', a1.ettn],
        ['ABC2018100000001', a1.number],
      ]),
    'v16 l.254-261': async () => substitute(inHost(V16_SEND, bySource('v16 l.254-261').request, { emptyDocument: true }), [['155c0c50-cd86-4bec-b87f-189dd26717ba', seller.session]]),
    // The seller pulls application responses (the buyer's KABUL of e1 waits for it).
    'v16 l.1028-1040': async () => substitute(bySource('v16 l.1028-1040').request, [['155c0c50-cd86-4bec-b87f-189dd26717ba', seller.session]]),
    'v16 l.1047-1060': async () =>
      substitute(bySource('v16 l.1047-1060').request, [
        ['155c0c50-cd86-4bec-b87f-189dd26717ba', buyer.session],
        ['c46a10e2-c60d-423a-a2ce-39f293d74552', e1.ettn],
      ]),
    'v16 l.1073-1086': async () =>
      substitute(bySource('v16 l.1073-1086').request, [
        ['155c0c50-cd86-4bec-b87f-189dd26717ba', seller.session],
        ['c46a10e2-c60d-423a-a2ce-39f293d74552', e1.ettn],
      ]),
    'v16 l.1093-1107': async () =>
      substitute(bySource('v16 l.1093-1107').request, [
        ['155c0c50-cd86-4bec-b87f-189dd26717ba', seller.session],
        ['10767d51-088c-4758-be86-c12676f1c5dc', e1.ettn],
      ]),
    'v16 l.1114-1127': async () =>
      substitute(bySource('v16 l.1114-1127').request, [
        ['be911ff4-cc6e-4821-92d4-7c4cd0dd4600', seller.session],
        ['VKN=1234567890', `VKN=${OTHER_VKN}`],
      ]),
    'WSD l.138-165': async () => substitute(bySource('WSD l.138-165').request, credentials()),
    'WSD l.210-226': async () => substitute(bySource('WSD l.210-226').request, [['8b719071-4eba-4ebc-a01d-8259553418f5', await login(seller.userName)]]),
    // The buyer answers e2.
    'WSD l.500-506': async () =>
      substitute(inHost(WSD_SEND, bySource('WSD l.500-506').request, { emptyDocument: true }), [
        ['34138d7b-48df-480f-a743-01c7b7a8ef0e', buyer.session],
        ['37dcd137-9123-4608-b216-7589ad9cc68a', e2.ettn],
        ['ALIAS=urn:mail:defaultgb@elogo.com.tr', `ALIAS=${seller.tenant.gbAlias}`],
      ]),
    'WSD l.513-517': async () =>
      substitute(inHost(WSD_SEND, bySource('WSD l.513-517').request, { emptyDocument: true }), [
        ['34138d7b-48df-480f-a743-01c7b7a8ef0e', seller.session],
        ['ec165791-a557-476f-a956-1ca06c2b5a5b', a2.ettn],
        ['ABC2018100000001', a2.number],
      ]),
    'WSD l.520-523': async () => substitute(inHost(WSD_SEND, bySource('WSD l.520-523').request, { emptyDocument: true }), [['34138d7b-48df-480f-a743-01c7b7a8ef0e', seller.session]]),
    // An invoice without a number (cbc:ID empty, as SETDOCUMENTNUMBER=1 requires); the host sample sends no hash.
    'WSD l.531-543': async () => {
      const inv = await freshInvoice({ number: null });
      return substitute(inHost(WSD_SEND, bySource('WSD l.531-543').request, { emptyDocument: false }), [
        ['34138d7b-48df-480f-a743-01c7b7a8ef0e', seller.session],
        ['ALIAS=urn:mail:defaultpk@diyalogo.com.tr', `ALIAS=${buyer.tenant.pkAlias}`],
        // The leading space of the printed value stays.
        ['UEsDBBQAAAAIABec0VDLkYqe0nkAAMmqAQA....', inv.base64],
        ['EEB8B604-E1ED-4F2F-9320-7C08FD07C068', inv.ettn.toUpperCase()],
      ]);
    },
    'WSD l.553-617': async () => {
      const inv = await freshInvoice({});
      return substitute(bySource(WSD_SEND).request, [
        ['34138d7b-48df-480f-a743-01c7b7a8ef0e', seller.session],
        ['ALIAS=urn:mail:defaultpk@diyalogo.com.tr', `ALIAS=${buyer.tenant.pkAlias}`],
        ['UEsDBBQAAAAIABec0VDLkYqe0nkAAMmqAQA....', inv.base64],
        ['EEB8B604-E1ED-4F2F-9320-7C08FD07C068', inv.ettn.toUpperCase()],
      ]);
    },
    // The seller pulls system responses (those of its sent envelopes).
    'WSD l.692-719': async () => substitute(bySource('WSD l.692-719').request, [['a2d1d73e-eabf-4dd2-b23e-a812ef324724', seller.session]]),
    'WSD l.804-835': async () => substitute(bySource('WSD l.804-835').request, [['ce47f430-3fc3-42e7-86ea-02b4de5b6861', buyer.session]]),
    'WSD l.930-963': async () => substitute(bySource('WSD l.930-963').request, [['8b2212ef-e6f3-46a3-84e1-a8e962f7a3d0', seller.session]]),
    // The sample writes the UUID in upper case.
    'WSD l.1085-1116': async () =>
      substitute(bySource('WSD l.1085-1116').request, [
        ['32be54d8-db8d-461d-abfa-36f82995e5ef', seller.session],
        ['BBE8B13B-BE71-4382-829A-76DC3ABA9922', e1.ettn.toUpperCase()],
      ]),
    'WSD l.1214-1243': async () => substitute(bySource('WSD l.1214-1243').request, [['5f99d6e3-4604-4625-81f0-b582b143e200', seller.session]]),
    // The seller's e-Fatura invoices created between yesterday and tomorrow (the sample asks for one day of 2020).
    'WSD l.1339-1373': async () => {
      // docInfo carries ENVELOPEID= once an invoice is enveloped: the e-Faturas sent by earlier samples get there first.
      await until('every e-Fatura of the seller enveloped', async () =>
        (await gw.gateway.db('invoices').where({ tenant_id: gw.tenant.id, kind: 'EFATURA' }).whereNull('envelope_id').whereNotIn('state', ['ERROR', 'GIB_REJECTED']).first()) ? undefined : true);
      return substitute(bySource('WSD l.1339-1373').request, [
        ['8bea6ccf-ea0a-4cdb-87ca-bd2d6b2f02ee', seller.session],
        ['BEGINDATE=2020-05-28', `BEGINDATE=${day(-1)}`],
        ['ENDDATE=2020-05-28', `ENDDATE=${day(1)}`],
      ]);
    },
    'WSD l.1459-1487': async () =>
      substitute(bySource('WSD l.1459-1487').request, [
        ['60f61bcc-85b2-4012-ba4a-1a66dfe6ae2b', seller.session],
        ['<arr:string>6090408038</arr:string>', `<arr:string>${OTHER_VKN}</arr:string>`],
      ]),
    'WSD l.1650-1679': async () => substitute(bySource('WSD l.1650-1679').request, credentials()),
    'WSD l.1730-1751': async () => substitute(bySource('WSD l.1730-1751').request, [['b3464c52-bebf-4ae7-b856-f931951ba77f', seller.session]]),
    'WSD l.1793-1826': async () => substitute(bySource('WSD l.1793-1826').request, [['65fbccbe-f79d-4c93-95fd-8e022563fa88', seller.session]]),
    'WSD l.1889-1910': async () =>
      substitute(bySource('WSD l.1889-1910').request, [
        ['3669ee15-e726-4a56-89fd-1567482b42b5', seller.session],
        ['EF2F04FB-BCEC-4B4C-A76C-817E39B518C7', e1.ettn.toUpperCase()],
      ]),
    'WSD l.1964-1997': async () => substitute(bySource('WSD l.1964-1997').request, [['1ce77fe3-9347-47c1-9325-5325dbc62fd3', seller.session]]),
  };

  /**
   * Requests the documents do not print, made from a printed one by changing one thing more (marked as such), so
   * that an answer the gateway gives can still be held against the document's sample response.
   */
  const DERIVED: Array<Sample & { make: () => Promise<string> }> = [
    {
      ...bySource(V16_SEND),
      source: `${V16_SEND}, DOCUMENTTYPE=EARCHIVE`,
      what: 'request, DOCUMENTTYPE=EARCHIVE (no EARCHIVE request is printed; ALIAS, for e-Fatura only, left out)',
      make: async () => {
        const inv = await freshInvoice({ profile: 'EARSIVFATURA' });
        return substitute(bySource(V16_SEND).request, [
          ['155c0c50-cd86-4bec-b87f-189dd26717ba', seller.session],
          ['DOCUMENTTYPE=EINVOICE', 'DOCUMENTTYPE=EARCHIVE'],
          ['\n        <arr:string>ALIAS=urn:mail:defaultpk@test.com.tr</arr:string>', ''],
          ['UEsDBBQAAAAIANZ2fky.......', inv.base64],
          ['2f5bc4d6-cf98-403b-a4a4-c52fc4fae68a', inv.ettn],
          ['098F6BCD4621D373CADE4E832627B4F6', inv.md5.toUpperCase()],
        ]);
      },
    },
    {
      ...bySource('v16 l.1028-1040'),
      source: 'v16 l.1028-1040, DOCUMENTTYPE=EINVOICE',
      what: 'request, DOCUMENTTYPE=EINVOICE (the printed ones ask for APPLICATIONRESPONSE and SYSTEMRESPONSE): the buyer\'s inbox',
      make: async () =>
        substitute(bySource('v16 l.1028-1040').request, [
          ['155c0c50-cd86-4bec-b87f-189dd26717ba', buyer.session],
          ['DOCUMENTTYPE=APPLICATIONRESPONSE', 'DOCUMENTTYPE=EINVOICE'],
        ]),
    },
  ];

  // --- the checks -------------------------------------------------------------------------------------------------

  /** The answer has the shape of the document's sample response. */
  async function expectSampleShape(sample: Sample, xml: string) {
    const res = await post(sample.op, xml);
    expect(res.contentType, res.text).to.match(/^text\/xml/);
    const diffs = shapeDiff(parseXml(sample.response!.text).root, parseXml(res.text).root, RULES[sample.op as keyof typeof RESPONSES]);
    expect(diffs, `${sample.op} against ${sample.response!.source}; the answer:\n${res.text.slice(0, 3000)}`).to.deep.equal([]);
    expect(res.status).to.equal(200);
  }

  /** A well-formed SOAP answer saying the operation or the kind is not supported: a fault, or resultCode -1. */
  async function expectNotSupported(sample: Sample, xml: string) {
    const res = await post(sample.op, xml);
    expect(res.contentType, res.text).to.match(/^text\/xml/);
    expect([200, 500], res.text).to.include(res.status);
    const root = parseXml(res.text).root;
    expect([root.ns, root.local]).to.deep.equal([SOAP11, 'Envelope']);
    const answer = root.children.find((c) => c.ns === SOAP11 && c.local === 'Body')?.children[0];
    expect(answer, res.text).to.not.equal(undefined);
    if (answer!.ns === SOAP11 && answer!.local === 'Fault') {
      expect(res.status).to.equal(500);
      expect(find(answer!, 'faultcode')?.text, res.text).to.not.equal(undefined);
      expect(find(answer!, 'faultstring')?.text, res.text).to.include('desteklenmiyor');
      return;
    }
    expect([answer!.ns, answer!.local]).to.deep.equal([TEMPURI, `${sample.op}Response`]);
    expect(res.status).to.equal(200);
    expect(find(answer!, 'resultCode')?.text, res.text).to.equal('-1');
    expect(find(answer!, 'resultMsg')?.text, res.text).to.include('desteklenmiyor');
  }

  const title = (s: Sample, derived = '') => `${s.op} ${s.what} (${s.source}${derived})`;
  const test = (name: string, _source: string, f: () => Promise<void>) => it(name, f);

  it('the table holds all 43 samples of the two documents, each parseable once its fragment is in its host', () => {
    expect(SAMPLES.length + Object.keys(RESPONSES).length).to.equal(43);
    expect(Object.keys(WHAT_CHANGES).sort()).to.deep.equal(SAMPLES.map((s) => s.source).sort());
    for (const r of Object.values(RESPONSES)) parseXml(r.text);
    for (const s of SAMPLES) {
      if (s.what.startsWith('paramList fragment')) parseXml(inHost(s.source.startsWith('v16') ? V16_SEND : WSD_SEND, s.request, { emptyDocument: false }));
      else parseXml(s.request);
    }
  });

  it('shapeDiff: prefixes, namespace declarations, comments and whitespace do not count; names, namespaces, order, nil-ness and values do', () => {
    const sample = parseXml(RESPONSES.GetDocumentDone.text).root;
    const answer = (inner: string) =>
      parseXml(`<x:Envelope xmlns:x="${SOAP11}"><x:Body><GetDocumentDoneResponse xmlns="${TEMPURI}"><GetDocumentDoneResult xmlns:c="${DC}" xmlns:n="${XSI}">${inner}</GetDocumentDoneResult></GetDocumentDoneResponse></x:Body></x:Envelope>`).root;
    const ok = '<c:outputList n:nil="true"/><!-- a comment --><c:resultCode> 1 </c:resultCode>\n<c:resultMsg>Başarılı</c:resultMsg>';
    expect(shapeDiff(sample, answer(ok))).to.deep.equal([]);
    expect(shapeDiff(sample, answer(ok.replace('<c:resultCode> 1 </c:resultCode>', `<resultCode xmlns="${TEMPURI}">1</resultCode>`)))).to.deep.equal([
      'GetDocumentDoneResponse/GetDocumentDoneResult: expected children (dc:outputList, dc:resultCode, dc:resultMsg), got (dc:outputList, tem:resultCode, dc:resultMsg)',
    ]);
    expect(shapeDiff(sample, answer('<c:resultCode>1</c:resultCode><c:outputList n:nil="true"/><c:resultMsg>Başarılı</c:resultMsg>'))).to.have.length.greaterThan(0);
    expect(shapeDiff(sample, answer(ok.replace('n:nil="true"/>', '/>')))).to.deep.equal(['GetDocumentDoneResponse/GetDocumentDoneResult/outputList: expected i:nil="true", got a value']);
    expect(shapeDiff(sample, answer(ok.replace('Başarılı', 'Basarili')))).to.deep.equal(['GetDocumentDoneResponse/GetDocumentDoneResult/resultMsg: expected "Başarılı", got "Basarili"']);
  });

  for (const sample of SAMPLES) {
    if (sample.expect === 'not supported') {
      const kind = /DOCUMENTTYPE=(\w+)/.exec(sample.request)?.[1];
      test(`${title(sample)}: not supported${kind && !sample.what.includes(kind) ? ` (DOCUMENTTYPE=${kind})` : ''}, a well-formed SOAP answer`, sample.source, async () => expectNotSupported(sample, await WHAT_CHANGES[sample.source]!()));
    } else if (sample.response) {
      test(`${title(sample)} → ${sample.response.source}`, sample.source, async () => expectSampleShape(sample, await WHAT_CHANGES[sample.source]!()));
    } else {
      // GetValidateGIBUser: the documents print no response; v16 l.870-885 describes a ResultType whose outputList
      // holds REGISTERTIME=, ISGIBUSER=, EINVOICEPKALIAS=, EINVOICEGBALIAS= (DOCUMENTTYPE=0: the e-Fatura aliases).
      test(`${title(sample)}: no sample response printed; a ResultType with ISGIBUSER and the e-Fatura aliases`, sample.source, async () => {
        const res = await post(sample.op, await WHAT_CHANGES[sample.source]!());
        expect(res.status, res.text).to.equal(200);
        const body = parseXml(res.text).root.children.find((c) => c.local === 'Body')!;
        const response = body.children[0]!;
        expect([response.ns, response.local]).to.deep.equal([TEMPURI, 'GetValidateGIBUserResponse']);
        const result = response.children[0]!;
        expect([result.ns, result.local]).to.deep.equal([TEMPURI, 'GetValidateGIBUserResult']);
        expect(result.children.map((c) => [c.ns, c.local])).to.deep.equal([[DC, 'outputList'], [DC, 'resultCode'], [DC, 'resultMsg']]);
        expect([result.children[1]!.text, result.children[2]!.text]).to.deep.equal(['1', 'Başarılı']);
        const outputs = result.children[0]!.children;
        expect(outputs.every((c) => c.ns === ARR && c.local === 'string')).to.equal(true);
        expect(outputs.map((c) => c.text)).to.include.members(['ISGIBUSER=1', `EINVOICEPKALIAS=${buyer.tenant.pkAlias}`, `EINVOICEGBALIAS=${buyer.tenant.gbAlias}`]);
      });
    }
  }

  for (const d of DERIVED) {
    test(`${title(d, ', derived')} → ${d.response!.source}`, d.source, async () => expectSampleShape(d, await d.make()));
  }
});
