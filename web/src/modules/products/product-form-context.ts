import { inject, type InjectionKey } from 'vue';
import type { ProductForm } from './use-product-form';

/** The dialog owns the form state; its field sections reach it through this key instead of mutating props. */
export const PRODUCT_FORM_KEY: InjectionKey<ProductForm> = Symbol('product-form');

export function injectProductForm(): ProductForm {
  const form = inject(PRODUCT_FORM_KEY);
  if (!form) throw new Error('Product form fields must be used inside ProductFormDialog');
  return form;
}
