import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../db/client.js';
import { createTestDatabase } from '../../../test/helpers.js';
import { migrateFrom, migrationsBefore } from '../../../test/migration-steps.js';

describe('migration 0013: the managed segment list starts with the segments the data uses', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
  });
  afterAll(() => database.dispose());

  it('seeds one entry per name (case-insensitively) from subscribers and products, skipping blanks', async () => {
    const before = migrationsBefore('0013_campaigns');
    try {
      await migrateFrom(database, before.folder);
    } finally {
      before.remove();
    }
    await database.executeSql(
      `insert into customers (id, msisdn, name, status, segments, value_band, customer_value, currency, plan_type, activation_date)
       values ('C-1', '1', 'A', 'active', '{youth,Students}', 'low', '1', 'SAR', 'prepaid', '2024-01-01'),
              ('C-2', '2', 'B', 'active', '{students," "}', 'low', '1', 'SAR', 'prepaid', '2024-01-01')`, []);
    await database.executeSql(
      `insert into products (external_system, external_product_id, name, product_type, currency, target_segments)
       values ('manual', 'P-1', 'P', 'data', 'SAR', '{youth,vip}')`, []);
    await runMigrations(database);
    const { rows } = await database.executeSql('select name from segments order by lower(name)', []);
    expect(rows.map((r) => r.name)).toEqual(['Students', 'vip', 'youth']);
  });
});
