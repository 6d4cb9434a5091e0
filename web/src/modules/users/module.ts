import type { ConsoleModule } from '../layout/console-module';

export const usersModule: ConsoleModule = {
  pages: [{ path: 'admin/users', name: 'users', component: () => import('./routes/UsersPage.vue'), meta: { title: 'Users', permission: 'manageUsers' } }],
  nav: [{ label: 'Users', to: '/admin/users', icon: 'users', section: 'Admin', permission: 'manageUsers' }],
};
