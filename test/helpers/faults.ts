/** The services' faults in tests that call them directly (not over SOAP: there test/helpers/gateway.ts's expectFault). */
import { GatewayError } from '../../src/faults';

/** The GatewayError a call ends in; fails the test when the call succeeds, rethrows any other error. */
export async function expectGatewayFault(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a fault');
}
