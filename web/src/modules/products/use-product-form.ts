import { computed, reactive, ref, shallowRef } from 'vue';
import type { Product, ProductCreateInput, ProductPatchInput } from '@lyra/contracts';
import { productsApi } from '../../api/products';
import type { ApiError } from '../../api/errors';
import { useServerErrors } from '../../lib/use-server-errors';
import {
  LOCAL_FIELDS,
  PRODUCT_FORM_FIELDS,
  emptyProductForm,
  isSynced,
  productToForm,
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
  const { errors, formError, clear, check, apply, fieldError } = useServerErrors();
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
    clear();
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

  async function submit(): Promise<Product | null> {
    if (!check(validateProductForm(model, mode.value), 'Please correct the highlighted fields.')) return null;
    submitting.value = true;
    try {
      const current = editing.value;
      const saved = current
        ? await writeApi.patch(current.id, toPatchPayload(model, mode.value))
        : await writeApi.create(toProductPayload(model));
      open.value = false;
      return saved;
    } catch (err) {
      apply(err, { fields: visibleFields.value, fieldsMessage: 'The server rejected some fields; see the messages below.', explain });
      return null;
    } finally {
      submitting.value = false;
    }
  }

  /** Refusals the product form words itself; field errors and the rest take the usual wording. */
  function explain(err: ApiError): string | undefined {
    switch (err.code) {
      case 'source_field_locked':
        return `${err.message} Only Lyra-owned fields (targeting, availability override, notes) can be changed here.`;
      case 'not_found':
        return 'This product no longer exists. Close the dialog and refresh the list.';
      default:
        if (err.status !== 409) return undefined;
        // Duplicate (external_system, external_product_id): say it plainly and point at the field.
        if (mode.value === 'full' && !errors.value.external_product_id) {
          errors.value = { ...errors.value, external_product_id: ['Already used by another product from this system'] };
        }
        return err.message || `A product with external ID "${model.external_product_id.trim()}" already exists.`;
    }
  }

  return { open, variant, editing, model, mode, lockedBy, errors, formError, submitting, openCreate, openEdit, fieldError, submit };
}

export type ProductForm = ReturnType<typeof useProductForm>;
