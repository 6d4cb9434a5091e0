import { auditModule } from './audit/module';
import { authModule } from './auth/module';
import { campaignsModule } from './campaigns/module';
import { catalogSyncModule } from './catalog-sync/module';
import { customersModule } from './customers/module';
import { dashboardModule } from './dashboard/module';
import type { ConsoleModule } from './layout/console-module';
import { mlModule } from './ml/module';
import { productsModule } from './products/module';
import { usersModule } from './users/module';

/** The console's feature modules; their order is the order of their entries in each sidebar section. */
export const CONSOLE_MODULES: readonly ConsoleModule[] = [
  authModule,
  // First in the menu: campaigns are what the catalog and the scores are for (a marketer's landing page).
  campaignsModule,
  dashboardModule,
  productsModule,
  catalogSyncModule,
  usersModule,
  auditModule,
  customersModule,
  mlModule,
];
