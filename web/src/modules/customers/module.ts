import type { ConsoleModule } from '../layout/console-module';

export const customersModule: ConsoleModule = {
  pages: [
    { path: 'customers', name: 'customers', component: () => import('./routes/CustomersPage.vue'), meta: { title: 'Customers' } },
    { path: 'customers/:id', name: 'customer', component: () => import('./routes/CustomerPage.vue'), props: true, meta: { title: 'Customer' } },
  ],
  nav: [{ label: 'Customers', to: '/customers', icon: 'customers', section: 'Insights' }],
};
