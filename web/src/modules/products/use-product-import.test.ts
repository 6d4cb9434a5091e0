import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { MAX_IMPORT_BYTES, useProductImport } from './use-product-import';

describe('useProductImport', () => {
  it('refuses files that are not CSV, too large or empty', () => {
    const imp = useProductImport(vi.fn());
    imp.choose('catalog.xlsx', 10, 'x');
    expect(imp.error.value).toMatch(/\.csv/);
    imp.choose('big.csv', MAX_IMPORT_BYTES + 1, 'x');
    expect(imp.error.value).toMatch(/5 MB/);
    imp.choose('empty.csv', 0, '  ');
    expect(imp.error.value).toMatch(/empty/);
    expect(imp.fileName.value).toBeNull();
  });

  it('uploads the CSV text and keeps the per-row errors of a refused import', async () => {
    const result = { imported: false, created: 0, updated: 0, total_rows: 2, errors: [{ row: 2, field: 'price', message: 'must not be negative' }] };
    const importCsv = vi.fn(async () => result);
    const imp = useProductImport(importCsv);
    imp.choose('catalog.CSV', 20, 'external_product_id,name\nA,B');
    expect(imp.fileName.value).toBe('catalog.CSV');
    expect(await imp.submit()).toEqual(result);
    expect(importCsv).toHaveBeenCalledWith('external_product_id,name\nA,B');
    expect(imp.result.value?.errors[0]?.field).toBe('price');
  });

  it('lists file-level problems from a 400', async () => {
    const imp = useProductImport(async () => {
      throw new ApiError({
        status: 400,
        code: 'validation_error',
        message: 'The header row does not match the product CSV format',
        details: { fields: { currency: ['required column is missing'] } },
      });
    });
    imp.choose('a.csv', 3, 'a,b');
    expect(await imp.submit()).toBeNull();
    expect(imp.error.value).toBe('The header row does not match the product CSV format');
    expect(imp.errorDetails.value).toEqual(['currency: required column is missing']);
  });

  it('needs a file before submitting', async () => {
    const importCsv = vi.fn();
    const imp = useProductImport(importCsv);
    expect(await imp.submit()).toBeNull();
    expect(importCsv).not.toHaveBeenCalled();
  });
});
