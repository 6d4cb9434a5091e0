import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { ElMessage } from 'element-plus';
import { CONSOLE_MODULES } from './modules/console-modules';
import { useSession } from './modules/auth/use-session';
import { safeNext } from './modules/auth/redirect';
import { setPageTitle } from './lib/browser';

/** The modules' pages: standalone ones on their own, the rest inside the layout, the not-found page last. */
const routes: RouteRecordRaw[] = [
  ...CONSOLE_MODULES.flatMap((m) => m.standalone ?? []),
  {
    path: '/',
    component: () => import('./modules/layout/components/AppLayout.vue'),
    children: [
      ...CONSOLE_MODULES.flatMap((m) => m.pages ?? []),
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
