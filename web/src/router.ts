import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { ElMessage } from 'element-plus';
import { useSession } from './modules/auth/use-session';
import { safeNext } from './modules/auth/redirect';
import type { Permissions } from './modules/auth/permissions';
import { setPageTitle } from './lib/browser';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean;
    /** The permission a user needs; without it the route redirects to the dashboard. */
    permission?: keyof Permissions;
    title?: string;
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./modules/auth/routes/LoginPage.vue'), meta: { public: true, title: 'Sign in' } },
  {
    path: '/',
    component: () => import('./modules/layout/components/AppLayout.vue'),
    children: [
      { path: '', redirect: '/admin' },
      { path: 'admin', name: 'dashboard', component: () => import('./modules/dashboard/routes/AdminDashboardPage.vue'), meta: { title: 'Dashboard' } },
      { path: 'admin/products', name: 'products', component: () => import('./modules/products/routes/ProductsPage.vue'), meta: { title: 'Product catalog' } },
      {
        path: 'admin/products/:id',
        name: 'product',
        component: () => import('./modules/products/routes/ProductDetailsPage.vue'),
        props: true,
        meta: { title: 'Product' },
      },
      {
        path: 'admin/external-systems',
        name: 'external-systems',
        component: () => import('./modules/catalog-sync/routes/ExternalSystemsPage.vue'),
        meta: { title: 'External systems', permission: 'manageSystems' },
      },
      {
        path: 'admin/sync-runs',
        name: 'sync-runs',
        component: () => import('./modules/catalog-sync/routes/SyncRunsPage.vue'),
        meta: { title: 'Sync history', permission: 'viewSyncRuns' },
      },
      {
        path: 'admin/sync-runs/:id',
        name: 'sync-run',
        component: () => import('./modules/catalog-sync/routes/SyncRunDetailsPage.vue'),
        props: true,
        meta: { title: 'Sync run', permission: 'viewSyncRuns' },
      },
      { path: 'admin/users', name: 'users', component: () => import('./modules/users/routes/UsersPage.vue'), meta: { title: 'Users', permission: 'manageUsers' } },
      {
        path: 'admin/audit-log',
        name: 'audit-log',
        component: () => import('./modules/audit/routes/AuditLogPage.vue'),
        meta: { title: 'Audit log', permission: 'viewAudit' },
      },
      { path: 'customers', name: 'customers', component: () => import('./modules/customers/routes/CustomersPage.vue'), meta: { title: 'Customers' } },
      { path: 'customers/:id', name: 'customer', component: () => import('./modules/customers/routes/CustomerPage.vue'), props: true, meta: { title: 'Customer' } },
      { path: 'ml', name: 'ml', component: () => import('./modules/ml/routes/MlPage.vue'), meta: { title: 'Machine learning' } },
      { path: 'ml/:name/versions/:v', name: 'ml-version', component: () => import('./modules/ml/routes/MlVersionPage.vue'), props: true, meta: { title: 'Model version' } },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('./modules/layout/routes/NotFoundPage.vue'), meta: { title: 'Not found' } },
    ],
  },
];

export function createLyraRouter() {
  const router = createRouter({
    history: createWebHistory(import.meta.env.BASE_URL),
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  });
  const session = useSession();

  router.beforeEach(async (to) => {
    let user = null;
    try {
      user = await session.ensureLoaded();
    } catch {
      // Server unreachable: the login page explains it when the user tries to sign in.
      user = null;
    }
    if (to.meta.public) {
      return to.name === 'login' && user ? safeNext(to.query.next) : true;
    }
    if (!user) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
    const needed = to.meta.permission;
    if (needed && !session.can.value[needed]) {
      ElMessage.warning('Your role does not give access to that page.');
      return { name: 'dashboard' };
    }
    return true;
  });

  router.afterEach((to) => {
    setPageTitle(to.meta.title ?? null);
  });
  return router;
}
