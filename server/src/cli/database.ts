/**
 * What every CLI command does around its work: open the configured database (DATA_DIR or
 * DATABASE_URL) holding the data directory's instance lock as `npm start` does, bring the schema
 * up to date, build the container, and always close and unlock, whatever the work did.
 */
import { loadConfig, type AppConfig } from '../config.js';
import { createContainer, type Container, type ContainerOptions } from '../container.js';
import { openDatabase, runMigrations, type Database } from '../db/client.js';
import { AppError } from '../lib/errors.js';
import { acquireLock } from '../lib/instance-lock.js';

export interface CliContext {
  config: AppConfig;
  database: Database;
  container: Container;
}

export interface CliDatabaseOptions {
  /** The container's options, read from the configuration (the secret key, for one). */
  container: (config: AppConfig) => ContainerOptions;
  /** Print a plain Error as its message only, not with its stack. */
  errorMessageOnly?: boolean;
}

/** Runs `work` on the configured database; a failure is printed and sets exit code 1. */
export async function withCliDatabase(opts: CliDatabaseOptions, work: (ctx: CliContext) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const release = config.databaseUrl ? () => undefined : acquireLock(config.dataDir);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await runMigrations(database);
    await work({ config, database, container: createContainer(database, opts.container(config)) });
  } catch (err) {
    console.error(err instanceof AppError ? `${err.message}${err.details ? ` ${JSON.stringify(err.details)}` : ''}` : opts.errorMessageOnly && err instanceof Error ? err.message : err);
    process.exitCode = 1;
  } finally {
    await database.close();
    release();
  }
}
