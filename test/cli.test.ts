import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_DIR } from './helpers/paths';
import { tempDir } from './helpers/db';

const run = promisify(execFile);

/** The command-line tool against a fresh embedded database (SQLite; the same code runs on PostgreSQL). */
describe('command-line tool', function () {
  this.timeout(60_000);
  const dataDir = tempDir('gw-cli-');
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', path.join(REPO_DIR, 'src', 'cli.ts'), ...args], { env: { ...process.env, GW_DATA_DIR: dataDir, GW_DATABASE_URL: '' }, cwd: REPO_DIR });

  it('creates a tenant and a user with a generated password shown once and stored only hashed and sealed', async () => {
    const tenant = await cli('tenant:create', '--vkn', '1234567890', '--title', 'ÖRNEK A.Ş.');
    expect(JSON.parse(tenant.stdout)).to.include({ vkn: '1234567890', title: 'ÖRNEK A.Ş.', efaturaSeries: 'EFT', earsivSeries: 'EAR', arithmeticPolicy: 'warn' });
    const user = await cli('user:create', '--vkn', '1234567890', '--username', 'erp', '--generate');
    const password = /password \(shown once\): (\S+)/.exec(user.stdout)![1];
    expect(password.length).to.be.greaterThan(16);
    for (const file of fs.readdirSync(dataDir).filter((f) => f.startsWith('gateway.sqlite'))) {
      expect(fs.readFileSync(path.join(dataDir, file)).includes(Buffer.from(password)), file).to.equal(false);
    }
    const list = await cli('tenant:list');
    expect(list.stdout).to.contain('"vkn":"1234567890"');
  });

  it('sets a tenant’s arithmetic policy (warn or refuse)', async () => {
    await cli('tenant:create', '--vkn', '1234567891', '--title', 'SIKI A.Ş.', '--arithmetic', 'refuse');
    expect((await cli('tenant:list')).stdout).to.contain('"vkn":"1234567891"').and.to.match(/"vkn":"1234567891".*"arithmeticPolicy":"refuse"/);
    expect((await cli('tenant:arithmetic', '--vkn', '1234567891', '--policy', 'warn')).stdout).to.contain('arithmetic policy warn');
    expect((await cli('tenant:list')).stdout).to.match(/"vkn":"1234567891".*"arithmeticPolicy":"warn"/);
    const err = await cli('tenant:arithmetic', '--vkn', '1234567891', '--policy', 'lenient').catch((e) => e);
    expect(err.code).to.equal(1);
    expect(err.stderr).to.contain('arithmeticPolicy (warn veya refuse)');
  });

  it('refuses bad input with the fault text and a non-zero exit', async () => {
    const err = await cli('tenant:create', '--vkn', '12', '--title', 'X').catch((e) => e);
    expect(err.code).to.equal(1);
    expect(err.stderr).to.contain('4004: ISTEK ALANI EKSIK VEYA GECERSIZ');
  });
});
