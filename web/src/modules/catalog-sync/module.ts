import type { ConsoleModule } from '../layout/console-module';

export const catalogSyncModule: ConsoleModule = {
  pages: [
    {
      path: 'admin/external-systems',
      name: 'external-systems',
      component: () => import('./routes/ExternalSystemsPage.vue'),
      meta: { title: 'External systems', permission: 'manageSystems' },
    },
    { path: 'admin/sync-runs', name: 'sync-runs', component: () => import('./routes/SyncRunsPage.vue'), meta: { title: 'Sync history', permission: 'viewSyncRuns' } },
    {
      path: 'admin/sync-runs/:id',
      name: 'sync-run',
      component: () => import('./routes/SyncRunDetailsPage.vue'),
      props: true,
      meta: { title: 'Sync run', permission: 'viewSyncRuns' },
    },
  ],
  nav: [
    { label: 'External systems', to: '/admin/external-systems', icon: 'systems', section: 'Admin', permission: 'manageSystems' },
    { label: 'Sync history', to: '/admin/sync-runs', icon: 'sync', section: 'Admin', permission: 'viewSyncRuns' },
  ],
};
