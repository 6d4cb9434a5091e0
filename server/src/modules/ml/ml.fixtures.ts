/**
 * Test data for the ML tests: the demo catalog and synthetic subscribers with known outcome
 * probabilities, imported through the customers module's own import path.
 */
import type { CustomerImportResult, CustomerImportTable } from '@lyra/contracts';
import type { Container } from '../../container.js';
import { SYSTEM_ACTOR } from '../auth/permissions.js';
import { generateSynthetic, type SyntheticData, type SyntheticProduct } from '../customers/synthetic.js';
import { seedDemoCatalog } from '../demo/demo.service.js';

export async function catalogForGenerator(c: Container): Promise<SyntheticProduct[]> {
  await seedDemoCatalog({ products: c.products });
  return c.customers.generatorCatalog();
}

/** Generates `customers` subscribers around `snapshot` and imports every table; returns the data with its truth. */
export async function loadSynthetic(c: Container, opts: { customers: number; seed: number; snapshot: string; historyMonths?: number }): Promise<SyntheticData> {
  const products = await catalogForGenerator(c);
  const data = generateSynthetic({ ...opts, products });
  const imp = c.customersImport;
  const check = async (table: CustomerImportTable, pending: Promise<CustomerImportResult>) => {
    const result = await pending;
    if (!result.imported) throw new Error(`synthetic ${table} did not import: ${JSON.stringify(result.errors.slice(0, 3))}`);
  };
  await check('customers', imp.importRecords(SYSTEM_ACTOR, 'customers', data.customers));
  await check('holdings', imp.importRecords(SYSTEM_ACTOR, 'holdings', data.holdings));
  await check('usage', imp.importRecords(SYSTEM_ACTOR, 'usage', data.usage));
  await check('bills', imp.importRecords(SYSTEM_ACTOR, 'bills', data.bills));
  await check('payments', imp.importRecords(SYSTEM_ACTOR, 'payments', data.payments));
  await check('purchases', imp.importRecords(SYSTEM_ACTOR, 'purchases', data.purchases));
  await check('contacts', imp.importRecords(SYSTEM_ACTOR, 'contacts', data.contacts));
  return data;
}
