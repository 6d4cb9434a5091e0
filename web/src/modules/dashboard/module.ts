import type { ConsoleModule } from '../layout/console-module';
import { landingPath } from '../auth/redirect';
import { useSession } from '../auth/use-session';

export const dashboardModule: ConsoleModule = {
  pages: [
    // The root is each role's landing page: decided in beforeEnter, which runs after the global
    // guard has loaded the session (a record's `redirect` runs before it, with nobody signed in yet).
    {
      path: '',
      name: 'home',
      component: () => import('./routes/AdminDashboardPage.vue'),
      beforeEnter: () => landingPath(useSession().user.value?.role),
    },
    { path: 'admin', name: 'dashboard', component: () => import('./routes/AdminDashboardPage.vue'), meta: { title: 'Dashboard' } },
  ],
  nav: [{ label: 'Dashboard', to: '/admin', icon: 'dashboard', section: null }],
};
