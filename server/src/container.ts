import type { AppConfig } from './config.js';
import type { Database } from './db/client.js';
import { createAuditRepository } from './modules/audit/audit.repository.js';
import { createAuthRepository } from './modules/auth/auth.repository.js';
import { createAuthService } from './modules/auth/auth.service.js';
import { createProductsCsv } from './modules/products/products.csv.js';
import { createProductsRepository } from './modules/products/products.repository.js';
import { createProductsService } from './modules/products/products.service.js';
import { createUsersRepository } from './modules/users/users.repository.js';
import { createUsersService } from './modules/users/users.service.js';

/** Repositories and services wired once; HTTP routes, jobs and CLIs all use the same ones. */
export function createContainer(database: Database, config: Pick<AppConfig, 'sessionTtlHours'>) {
  const { db } = database;
  const audit = createAuditRepository(db);
  const productsRepo = createProductsRepository(db, database.executeSql);
  const usersRepo = createUsersRepository(db);
  return {
    database,
    audit,
    auth: createAuthService({ auth: createAuthRepository(db), audit, db, sessionTtlHours: config.sessionTtlHours }),
    authRepository: createAuthRepository(db),
    users: createUsersService({ users: usersRepo, audit }),
    products: createProductsService({ products: productsRepo, audit }),
    productsRepository: productsRepo,
    productsCsv: createProductsCsv({ products: productsRepo, audit }),
  };
}
export type Container = ReturnType<typeof createContainer>;
