import { billingConnector } from './billing.js';
import { crmConnector } from './crm.js';
import { ConnectorRegistry } from './registry.js';
import type { ConnectorFactory } from './types.js';
import { xivaConnector } from './xiva.js';

/** Every system type Lyra can sync. A new one is a connector file plus one line here. */
const CONNECTOR_FACTORIES: ConnectorFactory[] = [xivaConnector, crmConnector, billingConnector];

export function defaultConnectorRegistry(): ConnectorRegistry {
  return new ConnectorRegistry(CONNECTOR_FACTORIES);
}
