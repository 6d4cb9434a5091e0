import { computed, reactive, ref, shallowRef } from 'vue';
import type { Product, ProductCreateInput, ProductPatchInput } from '@lyra/contracts';
import { productsApi } from '../../api/products';
import { errorMessage, isApiError, type FieldErrors } from '../../api/errors';
import {
  LOCAL_FIELDS,
  PRODUCT_FORM_FIELDS,
  emptyProductForm,
  isSynced,
  productToForm,
  splitFieldErrors,
  toPatchPayload,
  toProductPayload,
  validateProductForm,
  type FormMode,
  type ProductFormModel,
} from './product-form';
import { systemNameOf } from './product-labels';

export interface ProductWriteApi {
  create: (body: ProductCreateInput) => Promise<Product>;
  patch: (id: string, body: ProductPatchInput) => Promise<Product>;
}

/** Which dialog is open: the whole record, or only the targeting fields a marketer owns. */
export type FormVariant = 'full' | 'targeting';

/**
 * State behind the create/edit dialog. Client checks run first; the server's own field errors
 * (400 validation_error) and conflicts (409) land in the same places so the user sees one list.
 */
export function useProductForm(writeApi: ProductWriteApi = productsApi) {
  const open = ref(false);
  const variant = ref<FormVariant>('full');
  const editing = shallowRef<Product | null>(null);
  const model = reactive<ProductFormModel>(emptyProductForm());
  const errors = ref<FieldErrors>({});
  const formError = ref<string | null>(null);
  const submitting = ref(false);

  /** Synced products and the targeting dialog only send Lyra-owned fields. */
  const mode = computed<FormMode>(() =>
    variant.value === 'targeting' || (editing.value !== null && isSynced(editing.value)) ? 'local' : 'full',
  );
  const visibleFields = computed(() => (mode.value === 'local' ? LOCAL_FIELDS : PRODUCT_FORM_FIELDS));
  const lockedBy = computed(() =>
    editing.value && isSynced(editing.value) ? systemNameOf(editing.value) : null,
  );

  function reset(next: ProductFormModel) {
    Object.assign(model, next);
    errors.value = {};
    formError.value = null;
  }

  function openCreate() {
    editing.value = null;
    variant.value = 'full';
    reset(emptyProductForm());
    open.value = true;
  }

  function openEdit(product: Product, which: FormVariant = 'full') {
    editing.value = product;
    variant.value = which;
    reset(productToForm(product));
    open.value = true;
  }

  function fieldError(field: string): string | undefined {
    return errors.value[field]?.join(' ');
  }

  async function submit(): Promise<Product | null> {
    formError.value = null;
    errors.value = validateProductForm(model, mode.value);
    if (Object.keys(errors.value).length) {
      formError.value = 'Please correct the highlighted fields.';
      return null;
    }
    submitting.value = true;
    try {
      const current = editing.value;
      const saved = current
        ? await writeApi.patch(current.id, toPatchPayload(model, mode.value))
        : await writeApi.create(toProductPayload(model));
      open.value = false;
      return saved;
    } catch (err) {
      applyServerError(err);
      return null;
    } finally {
      submitting.value = false;
    }
  }

  function applyServerError(err: unknown) {
    if (!isApiError(err)) {
      formError.value = errorMessage(err);
      return;
    }
    const { shown, other } = splitFieldErrors(err.fieldErrors, visibleFields.value);
    errors.value = shown;
    if (err.code === 'source_field_locked') {
      formError.value = `${err.message} Only Lyra-owned fields (targeting, availability override, notes) can be changed here.`;
    } else if (err.status === 409) {
      // Duplicate (external_system, external_product_id): say it plainly and point at the field.
      formError.value = err.message || `A product with external ID "${model.external_product_id.trim()}" already exists.`;
      if (mode.value === 'full' && !errors.value.external_product_id) {
        errors.value = { ...errors.value, external_product_id: ['Already used by another product from this system'] };
      }
    } else if (err.code === 'validation_error' || err.hasFieldErrors) {
      formError.value = other.length ? other.join(' · ') : 'The server rejected some fields; see the messages below.';
    } else if (err.status === 404) {
      formError.value = 'This product no longer exists. Close the dialog and refresh the list.';
    } else {
      formError.value = errorMessage(err);
    }
  }

  return { open, variant, editing, model, mode, lockedBy, errors, formError, submitting, openCreate, openEdit, fieldError, submit };
}

export type ProductForm = ReturnType<typeof useProductForm>;
