/** Every screen of the portal, in menu order (src/portal/layout.ts MENU). */
import { cancelRequestsScreen } from './cancel-requests';
import { earsivScreen } from './earsiv';
import { edefterScreen } from './edefter';
import { efaturaScreen } from './efatura';
import { efaturaOutboxScreen } from './efatura-outbox';
import { esaklamaScreen } from './esaklama';
import { homeScreen } from './home';
import { servicesScreen } from './services';

export const SCREENS = [homeScreen, efaturaOutboxScreen, efaturaScreen, cancelRequestsScreen, earsivScreen, edefterScreen, esaklamaScreen, servicesScreen] as const;
