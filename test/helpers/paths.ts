import path from 'node:path';

/** The repository root and GİB's reference package beside it (`../shared`, never copied into the repository). */
export const REPO_DIR = path.resolve(__dirname, '..', '..');
export const SHARED_DIR = process.env.GW_SHARED_DIR ?? path.resolve(REPO_DIR, '..', 'shared');
export const GIB_DIR = path.join(SHARED_DIR, 'gib');
export const UBL_XSD_DIR = path.join(GIB_DIR, 'ubl-tr-1.2.1', 'xsdrt');
export const UBL_SAMPLES_DIR = path.join(GIB_DIR, 'ubl-tr-1.2.1', 'xml');
export const OLD_SAMPLES_DIR = path.join(GIB_DIR, 'e-fatura-paketi', 'xml');
