// Mocha's spec output plus a JSON summary (GW_TEST_SUMMARY) that scripts/test.sh adds up into "N passed, N failed".
const fs = require('fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.GW_TEST_SUMMARY;
      if (file) {
        const { passes, failures, pending } = this.stats;
        fs.writeFileSync(file, JSON.stringify({ passes, failures, pending }));
      }
    });
  }
}

module.exports = SummaryReporter;
