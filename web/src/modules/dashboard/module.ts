import type { ConsoleModule } from '../layout/console-module';

export const dashboardModule: ConsoleModule = {
  pages: [
    { path: '', redirect: '/admin' },
    { path: 'admin', name: 'dashboard', component: () => import('./routes/AdminDashboardPage.vue'), meta: { title: 'Dashboard' } },
  ],
  nav: [{ label: 'Dashboard', to: '/admin', icon: 'dashboard', section: null }],
};
