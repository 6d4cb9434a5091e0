import { auditModule } from './audit/module';
import { authModule } from './auth/module';
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
  dashboardModule,
  productsModule,
  catalogSyncModule,
  usersModule,
  auditModule,
  customersModule,
  mlModule,
];
