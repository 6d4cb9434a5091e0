import type { ConsoleModule } from '../layout/console-module';

export const campaignsModule: ConsoleModule = {
  pages: [
    { path: 'campaigns', name: 'campaigns', component: () => import('./routes/CampaignsLandingPage.vue'), meta: { title: 'Campaigns' } },
    { path: 'campaigns/all', name: 'campaign-list', component: () => import('./routes/CampaignListPage.vue'), meta: { title: 'All campaigns' } },
    {
      path: 'campaigns/new', name: 'campaign-new', component: () => import('./routes/CampaignBuilderPage.vue'),
      meta: { title: 'New campaign', permission: 'writeCampaigns' },
    },
    { path: 'campaigns/:id', name: 'campaign', component: () => import('./routes/CampaignPage.vue'), props: true, meta: { title: 'Campaign' } },
    {
      path: 'campaigns/:id/edit', name: 'campaign-edit', component: () => import('./routes/CampaignBuilderPage.vue'), props: true,
      meta: { title: 'Edit campaign', permission: 'writeCampaigns' },
    },
  ],
  nav: [{ label: 'Campaigns', to: '/campaigns', icon: 'campaigns', section: null }],
};
