import type { CustomerImportTable } from '@lyra/contracts';
import type { CustomersImport } from '../../customers/customers.import.js';

/** Tables whose rows can change a response: purchases, and the contact rows the model learns from. */
const ATTRIBUTING: readonly CustomerImportTable[] = ['purchases', 'contacts'];

/**
 * Customer imports that attribute campaign responses once the import has committed: purchases
 * (including ones dated inside a window that has since closed) count for the launched campaigns at
 * once, and a contacts import that rewrote a Lyra campaign's contact rows gets their responses back.
 */
export function withResponseAttribution(imports: CustomersImport, attributeAll: (opts?: Record<string, never>) => Promise<unknown>): CustomersImport {
  const after = async <R extends { imported: boolean }>(table: CustomerImportTable, report: R): Promise<R> => {
    if (report.imported && ATTRIBUTING.includes(table)) await attributeAll({});
    return report;
  };
  return {
    importBody: async (...args) => after(args[1], await imports.importBody(...args)),
    importRecords: (async (...args: Parameters<CustomersImport['importRecords']>) => after(args[1], await imports.importRecords(...args))) as CustomersImport['importRecords'],
  };
}
