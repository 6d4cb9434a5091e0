import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../db/client.js';
import { createTestDatabase } from '../../../test/helpers.js';
import { migrateFrom, migrationsBefore } from '../../../test/migration-steps.js';

describe('migration 0010: products keyed by their connected system, not its type', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const ids = {
    xiva: '11111111-1111-4111-8111-111111111111',
    crm1: '22222222-2222-4222-8222-222222222222',
    crm2: '33333333-3333-4333-8333-333333333333',
    gone: '44444444-4444-4444-8444-444444444444',
    xiva2: '55555555-5555-4555-8555-555555555555',
  };
  const sql = (text: string, values: unknown[] = []) => database.executeSql(text, values);
  const system = (id: string, name: string, type: string) =>
    sql('insert into external_systems (id, name, system_type, base_url, auth_type) values ($1, $2, $3, $4, $5)', [id, name, type, 'http://127.0.0.1:1', 'none']);
  const product = (externalSystem: string, externalId: string, systemId: string | null) =>
    sql('insert into products (external_system, external_system_id, external_product_id, name, product_type, currency) values ($1, $2, $3, $4, $5, $6)',
      [externalSystem, systemId, externalId, externalId, 'data', 'SAR']);

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    const before = migrationsBefore('0010_multi_system_products');
    try {
      await migrateFrom(database, before.folder);
    } finally {
      before.remove();
    }
    // What a catalog could hold under the one-system-per-type rule (two CRM systems only through SQL).
    await system(ids.xiva, 'Xiva BSS', 'xiva');
    await system(ids.crm1, 'CRM A', 'crm');
    await system(ids.crm2, 'CRM B', 'crm');
    await product('manual', 'M-1', null);
    await product('manual', 'M-2', ids.xiva);
    await product('xiva', 'X-NULL', null);
    await product('xiva', 'X-GONE', ids.gone);
    await product('xiva', 'X-OWN', ids.xiva);
    await product('crm', 'C-NULL', null);
    await product('billing', 'B-NULL', null);
    await migrateFrom(database, MIGRATIONS_FOLDER);
  });
  afterAll(() => database.dispose());

  it('carries rows over: synced rows without a live system go to the one system of their type; manual rows belong to none', async () => {
    const { rows } = await sql('select external_product_id as id, external_system_id as system from products order by external_product_id');
    expect(Object.fromEntries(rows.map((r) => [r.id, r.system]))).toEqual({
      'M-1': null,
      'M-2': null,
      'X-NULL': ids.xiva,
      'X-GONE': ids.xiva,
      'X-OWN': ids.xiva,
      // Two CRM systems: nobody can tell which one it came from; no billing system at all.
      'C-NULL': null,
      'B-NULL': null,
    });
  });

  it('keys synced products by system: the same source id in a second system of the type is another product', async () => {
    await system(ids.xiva2, 'Xiva staging', 'xiva');
    await product('xiva', 'X-OWN', ids.xiva2);
    await expect(product('xiva', 'X-OWN', ids.xiva)).rejects.toThrow(/products_system_id_external_id_uq/);
    const { rows } = await sql("select count(*)::int as n from products where external_product_id = 'X-OWN'");
    expect(Number(rows[0]!.n)).toBe(2);
  });

  it('keeps manual products unique by external id among manual ones', async () => {
    await expect(product('manual', 'M-1', null)).rejects.toThrow(/products_unattached_external_id_uq/);
    // A manual code may equal a synced one.
    await product('manual', 'X-OWN', null);
  });
});
