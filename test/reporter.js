// Mocha's spec output plus a JSON summary (GW_TEST_SUMMARY) that scripts/test.sh adds up into "N passed, N failed",
// and the slowest test files at the end (where CI's minutes go).
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const started = new Map();
    const byFile = new Map();
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.file && suite.parent && suite.parent.root) started.set(suite, Date.now());
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      const t = started.get(suite);
      if (t === undefined) return;
      const file = path.relative(process.cwd(), suite.file);
      byFile.set(file, (byFile.get(file) || 0) + Date.now() - t);
    });
    runner.once(EVENT_RUN_END, () => {
      const slowest = [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 12);
      if (slowest.length) {
        console.log('  slowest test files:');
        for (const [file, ms] of slowest) console.log(`    ${(ms / 1000).toFixed(1).padStart(6)} s  ${file}`);
      }
      const file = process.env.GW_TEST_SUMMARY;
      if (file) {
        const { passes, failures, pending } = this.stats;
        fs.writeFileSync(file, JSON.stringify({ passes, failures, pending }));
      }
    });
  }
}

module.exports = SummaryReporter;
