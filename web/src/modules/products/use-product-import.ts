import { ref, shallowRef } from 'vue';
import type { ProductImportResult } from '@lyra/contracts';
import { productsApi } from '../../api/products';
import { errorMessage, isApiError } from '../../api/errors';

/** 5 MB is far above a 100k-row catalog's needs and keeps a wrong file from freezing the tab. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

export function useProductImport(importCsv: (csv: string) => Promise<ProductImportResult> = productsApi.importCsv) {
  const fileName = ref<string | null>(null);
  const csv = ref<string | null>(null);
  const result = shallowRef<ProductImportResult | null>(null);
  const error = ref<string | null>(null);
  /** Problems with the file as a whole (e.g. missing columns), listed under the error. */
  const errorDetails = ref<string[]>([]);
  const submitting = ref(false);

  function reset() {
    fileName.value = null;
    csv.value = null;
    result.value = null;
    error.value = null;
    errorDetails.value = [];
  }

  /** Takes the chosen file's name, size and text (read by the component, which owns the DOM File). */
  function choose(name: string, size: number, text: string | null) {
    result.value = null;
    error.value = null;
    errorDetails.value = [];
    if (!/\.csv$/i.test(name)) {
      error.value = 'Choose a .csv file (the same columns as the export).';
      return;
    }
    if (size > MAX_IMPORT_BYTES) {
      error.value = 'This file is larger than 5 MB. Split it into smaller files.';
      return;
    }
    if (!text || !text.trim()) {
      error.value = 'This file is empty.';
      return;
    }
    fileName.value = name;
    csv.value = text;
  }

  async function submit(): Promise<ProductImportResult | null> {
    if (!csv.value) {
      error.value = 'Choose a CSV file first.';
      return null;
    }
    submitting.value = true;
    error.value = null;
    errorDetails.value = [];
    try {
      result.value = await importCsv(csv.value);
      return result.value;
    } catch (err) {
      error.value = errorMessage(err, 'The import failed. Please try again.');
      if (isApiError(err)) {
        errorDetails.value = Object.entries(err.fieldErrors).flatMap(([field, msgs]) => msgs.map((m) => `${field}: ${m}`));
      }
      return null;
    } finally {
      submitting.value = false;
    }
  }

  return { fileName, csv, result, error, errorDetails, submitting, reset, choose, submit };
}
