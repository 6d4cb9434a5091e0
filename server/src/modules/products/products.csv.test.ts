import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductCreate } from '@lyra/contracts';
import { createTestContext, type TestContext } from '../../../test/helpers.js';

const base = '/api/loyalty/v1/products';

/** Strings that stress the formula guard and the quoting; NUL is refused before CSV (PostgreSQL text cannot hold it). */
const text = fc
  .tuple(
    fc.constantFrom('', '', "'", "''", "'=", "'quoted", '=', '=HYPERLINK("x")', '+', '-', '@', '\t', '\r', '\n', '\r\n', '"', ' ', ','),
    fc.string({ unit: 'binary', maxLength: 30 }),
  )
  .map(([prefix, rest]) => (prefix + rest).replaceAll('\0', ''));

describe('products CSV export -> import', () => {
  let t: TestContext;
  let admin: { authorization: string };
  beforeAll(async () => {
    t = await createTestContext();
    admin = await t.auth('admin');
  });
  afterAll(() => t.close());

  const manualProducts = async () =>
    (await t.database.executeSql(
      `select external_product_id, name, description, category, notes, features, attributes, target_segments, price, currency
         from products where external_system = 'manual' order by external_product_id`, [])).rows;

  const exportAll = async () => {
    const res = await t.app.inject({ url: `${base}/export/?format=csv&external_system=manual`, headers: admin });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  const importCsv = (csv: string) => t.app.inject({ method: 'POST', url: `${base}/import/`, headers: { ...admin, 'content-type': 'text/csv' }, payload: csv });

  it('gives back exactly what was exported, values beginning with an apostrophe or a formula character included', async () => {
    const values = ["'quoted", "''twice", '=1+1', "'=1+1", '+44 555', '-5', '@SUM(A1)', '\tindented', '\rcarriage', "'", ''];
    for (const [i, v] of values.entries()) {
      const res = await t.app.inject({
        method: 'POST', url: `${base}/`, headers: admin,
        payload: { external_product_id: `fixed-${i}`, name: v.trim() ? v : `name ${i}`, description: v, category: v.trim(), notes: v, product_type: 'data', currency: 'SAR', features: { note: v } },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const before = await manualProducts();
    expect(before.find((r) => r.external_product_id === 'fixed-0')).toMatchObject({ name: "'quoted", description: "'quoted", notes: "'quoted" });
    expect(before.find((r) => r.external_product_id === 'fixed-10')).toMatchObject({ description: '', notes: '' });
    const csv = await exportAll();
    expect(csv).toContain(`fixed-0,manual,''quoted,''quoted,`);
    const imp = await importCsv(csv);
    expect(imp.json()).toMatchObject({ imported: true, created: 0, updated: values.length, errors: [] });
    expect(await manualProducts()).toEqual(before);
  });

  it('round-trips arbitrary strings in the text fields (property)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.record({ id: text, name: text, description: text, category: text, notes: fc.option(text), feature: text }), async (v) => {
        const input = ProductCreate.safeParse({
          external_product_id: `${v.id}#${n++}`, name: v.name, description: v.description, category: v.category, notes: v.notes,
          product_type: 'voice', currency: 'SAR', features: { note: v.feature },
        });
        // Names that are blank after trimming are refused by the API, not a CSV matter.
        fc.pre(input.success);
        const created = await t.app.inject({ method: 'POST', url: `${base}/`, headers: admin, payload: input.data });
        expect(created.statusCode, created.body).toBe(201);

        const before = await manualProducts();
        const imp = await importCsv(await exportAll());
        expect(imp.json(), imp.body).toMatchObject({ imported: true, created: 0, errors: [] });
        expect(await manualProducts()).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });
});
