/**
 * Stand-alone fake Xiva (TMF620 v4/v5), CRM (Salesforce-style) and Billing (Chargebee-style)
 * servers for connector tests, benchmarks and the demo. See simulators/README.md.
 */
import { startBillingSimulator, BILLING_DEFAULT_CREDENTIALS, BILLING_ITEM_PRICES_PATH, type BillingItemPrice, type BillingOptions } from './billing.js';
import { startCrmSimulator, CRM_DEFAULT_CREDENTIALS, CRM_TOKEN_PATH, type CrmOptions, type CrmProduct } from './crm.js';
import { startXivaSimulator, XIVA_DEFAULT_CREDENTIALS, XIVA_V4_BASE, XIVA_V5_BASE, type RunningXivaSimulator, type XivaOptions } from './xiva.js';
import type { RunningSimulator, SimulatorOptions } from './types.js';

export type {
  BillingCycle,
  ExpectedProduct,
  FaultConfig,
  ProductFeatures,
  ProductType,
  RunningSimulator,
  SimulatorOptions,
  SimulatorStats,
  SimulatorStore,
} from './types.js';
export { DEFAULT_FAULTS } from './faults.js';
export type { ControlCommand } from './http.js';
export { formatMinor, currencyExponent } from './catalog.js';
export {
  startXivaSimulator,
  XIVA_V5_BASE,
  XIVA_V4_BASE,
  XIVA_AUTH_BASE,
  XIVA_DEFAULT_CREDENTIALS,
  type XivaOffering,
  type XivaOptions,
  type XivaServerStyle,
  type RunningXivaSimulator,
  type XivaEmbeddedPrice,
  type XivaPriceRef,
  type XivaProductOfferingPrice,
  type TmfMoney,
} from './xiva.js';
export {
  startCrmSimulator,
  CRM_API_VERSION,
  CRM_TOKEN_PATH,
  CRM_QUERY_PATH,
  CRM_DEFAULT_CREDENTIALS,
  CRM_STANDARD_PRICEBOOK_ID,
  CRM_CORPORATE_PRICEBOOK_ID,
  type CrmProduct,
  type CrmPricebookEntry,
  type CrmOptions,
} from './crm.js';
export { parseSoql } from './soql.js';
export { startBillingSimulator, BILLING_ITEM_PRICES_PATH, BILLING_DEFAULT_CREDENTIALS, type BillingItemPrice, type BillingOptions } from './billing.js';

export interface AllSimulatorsOptions extends SimulatorOptions {
  /** Per-system overrides, merged over the shared options. */
  xiva?: Partial<XivaOptions>;
  crm?: Partial<CrmOptions>;
  billing?: Partial<BillingOptions>;
}

export interface AllSimulators {
  xiva: {
    sim: RunningXivaSimulator;
    url: string;
    /** Full base URLs of the catalog APIs, ending with a slash. */
    v5BaseUrl: string;
    v4BaseUrl: string;
    credentials: { email: string; password: string };
  };
  crm: { sim: RunningSimulator<CrmProduct>; url: string; tokenUrl: string; credentials: { clientId: string; clientSecret: string } };
  billing: { sim: RunningSimulator<BillingItemPrice>; url: string; itemPricesUrl: string; credentials: { apiKey: string } };
  close(): Promise<void>;
}

/**
 * Starts the three simulators. With a fixed `port` N they listen on N, N+1 and N+2; with
 * port 0 (default) each gets a random free port. If one fails to start, the others are closed.
 */
export async function startAllSimulators(opts: AllSimulatorsOptions = {}): Promise<AllSimulators> {
  const { xiva: xo, crm: co, billing: bo, ...shared } = opts;
  const portFor = (offset: number) => (shared.port ? shared.port + offset : 0);
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const xiva = await startXivaSimulator({ ...shared, port: portFor(0), ...xo });
    started.push(xiva);
    const crm = await startCrmSimulator({ ...shared, port: portFor(1), ...co });
    started.push(crm);
    const billing = await startBillingSimulator({ ...shared, port: portFor(2), ...bo });
    started.push(billing);
    return {
      xiva: {
        sim: xiva,
        url: xiva.url,
        v5BaseUrl: `${xiva.url}${XIVA_V5_BASE}`,
        v4BaseUrl: `${xiva.url}${XIVA_V4_BASE}`,
        credentials: { email: xo?.email ?? XIVA_DEFAULT_CREDENTIALS.email, password: xo?.password ?? XIVA_DEFAULT_CREDENTIALS.password },
      },
      crm: {
        sim: crm,
        url: crm.url,
        tokenUrl: `${crm.url}${CRM_TOKEN_PATH}`,
        credentials: { clientId: co?.clientId ?? CRM_DEFAULT_CREDENTIALS.clientId, clientSecret: co?.clientSecret ?? CRM_DEFAULT_CREDENTIALS.clientSecret },
      },
      billing: { sim: billing, url: billing.url, itemPricesUrl: `${billing.url}${BILLING_ITEM_PRICES_PATH}`, credentials: { apiKey: bo?.apiKey ?? BILLING_DEFAULT_CREDENTIALS.apiKey } },
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
}
