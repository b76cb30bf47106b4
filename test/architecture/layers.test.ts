/**
 * Layers point one way (README, "Architecture"): every relative import in src/ goes from a layer to the same or a
 * lower one, and the GİB simulator and the pure codec stay apart from the gateway's state. The import graph is read
 * from the sources themselves (TypeScript's own scanner would do the same for these plain `import … from '…'`
 * statements; type-only imports count too: a type from a higher layer is still an arrow pointing up).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_DIR } from '../helpers/paths';

const SRC = path.join(REPO_DIR, 'src');

/**
 * Lowest first. A file belongs to the first layer whose pattern matches its path below src/. A file may import its
 * own layer and any lower one.
 */
export const LAYERS: ReadonlyArray<{ name: string; paths: RegExp }> = [
  { name: 'shared (faults, ids, time, clock, log, metrics)', paths: /^(faults|ids|turkish-time|clock|log|metrics)\.ts$/ },
  { name: 'xml, zip, ubl, machines, http', paths: /^(xml|zip|ubl|machines|http)\// },
  { name: 'pure checks and codecs: validation, signing, GİB protocol, ledgers', paths: /^(validation|signing|gib\/protocol|ledger)\// },
  { name: 'the service catalogue and the kontör price list (pure data, read by the configuration)', paths: /^activation\/(catalogue|prices)\.ts$/ },
  { name: 'invoice visuals (the XSLT sandbox, the default page, the PDF browser; their settings are read by the configuration)', paths: /^visuals\// },
  { name: 'configuration (describes the signers, so above signing)', paths: /^config\.ts$/ },
  { name: 'GİB clients, database (repositories, machine store, job queue), blob storage', paths: /^(gib|db|storage)\// },
  { name: 'e-mail notices (the SMTP sender, and its queue over the job queue)', paths: /^notify\// },
  { name: 'security', paths: /^security\// },
  { name: 'services', paths: /^(services|activation)\/|^elogo\/postbox\.service\.ts$/ },
  { name: 'worker (queue, tasks)', paths: /^worker\/(?!main\.ts$)/ },
  { name: 'SOAP endpoints (our API, GİB’s contract, e-Logo’s PostBoxService) and the web portal', paths: /^soap\/|^elogo\/postbox-server\.ts$|^portal\// },
  { name: 'composition and HTTP app', paths: /^(composition|app)\.ts$/ },
  { name: 'GİB simulator (a stand-in for GİB: a layer of its own, see FORBIDDEN)', paths: /^simulator\// },
  { name: 'clients of a gateway (the e-Defter uploader, the customer\'s contract signing tool: SOAP calls, no state of their own)', paths: /^uploader\// },
  { name: 'entry points', paths: /^(server|cli)\.ts$|^worker\/main\.ts$/ },
];

/** Whatever their layers, these never import those: GİB's stand-in and the codec know nothing of the gateway's state. */
const FORBIDDEN: ReadonlyArray<{ from: RegExp; to: RegExp; why: string }> = [
  { from: /^simulator\//, to: /^(db|services|worker|soap|security|composition|app)\b/, why: 'the simulator reuses the codec, never the gateway’s services or database' },
  { from: /^gib\/protocol\//, to: /^(gib\/(?!protocol\/)|db|services|worker|soap|storage)\b/, why: 'the GİB protocol is a pure codec' },
  { from: /^uploader\//, to: /^(config|db|storage|notify|services|worker|soap|composition|app)\b/, why: 'a client knows the gateway only by its URL and a user’s credentials' },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(rel: string): number {
  const i = LAYERS.findIndex((l) => l.paths.test(rel));
  if (i === -1) throw new Error(`src/${rel} belongs to no layer: add it to LAYERS`);
  return i;
}

/** The module paths (relative to src/) a file imports, from its import and export … from statements. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gms)) {
    const target = path.relative(SRC, path.resolve(path.dirname(file), m[1]!));
    const candidates = [`${target}.ts`, path.join(target, 'index.ts')];
    const found = candidates.find((c) => fs.existsSync(path.join(SRC, c)));
    if (!found) throw new Error(`${path.relative(REPO_DIR, file)} imports ${m[1]}, which is not a module of src/`);
    out.push(found);
  }
  return out;
}

describe('architecture: imports point one way', () => {
  const files = sourceFiles(SRC).map((f) => ({ file: f, rel: path.relative(SRC, f) }));

  it('every module of src/ belongs to a layer, and no import runs from a lower layer up', () => {
    const upward: string[] = [];
    for (const { file, rel } of files) {
      const from = layerOf(rel);
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to > from) upward.push(`src/${rel} (${LAYERS[from]!.name}) → src/${target} (${LAYERS[to]!.name})`);
      }
    }
    expect(upward, upward.join('\n')).to.deep.equal([]);
  });

  it('the simulator and the pure GİB codec import nothing of the gateway’s state', () => {
    const bad: string[] = [];
    for (const { file, rel } of files) {
      for (const rule of FORBIDDEN.filter((r) => r.from.test(rel))) {
        for (const target of importsOf(file)) if (rule.to.test(target)) bad.push(`src/${rel} → src/${target}: ${rule.why}`);
      }
    }
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });

  it('only src/db writes SQL for the gateway’s tables (the repositories)', () => {
    const tables = ['tenants', 'users', 'invoices', 'number_series', 'state_history', 'jobs', 'envelopes', 'gib_responses', 'incoming_invoices', 'cancel_requests', 'earsiv_reports', 'earsiv_report_items', 'gib_users', 'gateway_state'];
    const query = new RegExp(`\\(\\s*'(${tables.join('|')})(\\s+as\\s+\\w+)?'\\s*\\)`);
    const offenders = files.filter(({ rel, file }) => !rel.startsWith('db/') && query.test(fs.readFileSync(file, 'utf8'))).map((f) => `src/${f.rel}`);
    expect(offenders).to.deep.equal([]);
  });

  it('catches an upward import (the check itself can fail)', () => {
    expect(layerOf('services/invoice.service.ts')).to.be.greaterThan(layerOf('db/invoices.ts'));
    expect(layerOf('worker/main.ts')).to.equal(LAYERS.length - 1);
    expect(layerOf('worker/worker.ts')).to.be.lessThan(layerOf('composition.ts'));
    expect(() => layerOf('nowhere/x.ts')).to.throw(/belongs to no layer/);
  });
});
