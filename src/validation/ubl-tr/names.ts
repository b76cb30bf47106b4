import { NS } from '../../xml/namespaces';

/** Namespaces of UBL-TR documents, by the short names the validation code uses. */
export const INV = NS.inv;
export const CAC = NS.cac;
export const CBC = NS.cbc;
export const EXT = NS.ext;
export const DS = NS.ds;
export const XADES = NS.xades;
export const XSI = NS.xsi;
export const SH = NS.sh;
