import type { CustomersImport } from '../customers/customers.import.js';

/**
 * Customer imports that add the segments their subscribers carry to the managed list once the
 * import has committed: subscriber data from the operator is never refused for a segment nobody
 * has entered in Lyra yet, and the list shows every segment a campaign can target.
 */
export function withSegmentSync(imports: CustomersImport, syncFromData: () => Promise<unknown>): CustomersImport {
  const after = async <R extends { imported: boolean }>(report: R): Promise<R> => {
    if (report.imported) await syncFromData();
    return report;
  };
  return {
    importBody: async (...args) => after(await imports.importBody(...args)),
    importRecords: (async (...args: Parameters<CustomersImport['importRecords']>) => after(await imports.importRecords(...args))) as CustomersImport['importRecords'],
  };
}
