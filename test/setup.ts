// Root hooks shared by every test file (database selection lives in test/helpers/db.ts).

/**
 * A test that leaves a server listening or a worker polling would keep mocha from exiting (CI would hang until its
 * time limit): after the whole run, any listening socket or pending timer still alive fails the run by name.
 */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const active = process.getActiveResourcesInfo();
    // One Timeout is mocha's own timer for this hook.
    const timers = active.filter((r) => r === 'Timeout').length - 1;
    const leftovers: string[] = active.filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap');
    if (timers > 0) leftovers.push(`${timers} × Timeout`);
    if (leftovers.length > 0) throw new Error(`tests left resources running: ${leftovers.join(', ')}`);
  },
};
