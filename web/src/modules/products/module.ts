import type { ConsoleModule } from '../layout/console-module';

export const productsModule: ConsoleModule = {
  pages: [
    { path: 'admin/products', name: 'products', component: () => import('./routes/ProductsPage.vue'), meta: { title: 'Product catalog' } },
    { path: 'admin/products/:id', name: 'product', component: () => import('./routes/ProductDetailsPage.vue'), props: true, meta: { title: 'Product' } },
  ],
  nav: [{ label: 'Product Catalog', to: '/admin/products', icon: 'catalog', section: 'Admin' }],
};
