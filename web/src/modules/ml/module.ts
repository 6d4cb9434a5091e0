import type { ConsoleModule } from '../layout/console-module';

export const mlModule: ConsoleModule = {
  pages: [
    { path: 'ml', name: 'ml', component: () => import('./routes/MlPage.vue'), meta: { title: 'Machine learning' } },
    { path: 'ml/:name/versions/:v', name: 'ml-version', component: () => import('./routes/MlVersionPage.vue'), props: true, meta: { title: 'Model version' } },
  ],
  nav: [{ label: 'ML models', to: '/ml', icon: 'ml', section: 'Insights' }],
};
