import type { ConsoleModule } from '../layout/console-module';

export const authModule: ConsoleModule = {
  standalone: [{ path: '/login', name: 'login', component: () => import('./routes/LoginPage.vue'), meta: { public: true, title: 'Sign in' } }],
};
