import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Campaign, CampaignListItem } from '@lyra/contracts';
import { createTestContext, type TestContext } from '../../../test/helpers.js';

const api = '/api/loyalty/v1';
type Headers = { authorization: string };

/** The console's campaign list filters (status, objective, search) over HTTP. */
describe('campaign list filters', () => {
  let t: TestContext;
  let admin: Headers;
  let marketer: Headers;
  let product: string;

  const post = (url: string, headers: Headers, payload: unknown) => t.app.inject({ method: 'POST', url: `${api}${url}`, headers, payload: payload as object });
  const list = async (query: string): Promise<{ status: number; names: string[]; count: number }> => {
    const res = await t.app.inject({ url: `${api}/campaigns/?${query}`, headers: marketer });
    const body = res.json() as { count: number; results: CampaignListItem[] };
    return { status: res.statusCode, names: (body.results ?? []).map((c) => c.name).sort(), count: body.count };
  };
  const create = async (name: string, objective: string): Promise<Campaign> => {
    const res = await post('/campaigns/', marketer, { name, objective, offers: [{ product_id: product, channel: 'sms', message: 'Get {offer_name}' }] });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Campaign;
  };

  beforeAll(async () => {
    t = await createTestContext();
    [admin, marketer] = await Promise.all([t.auth('admin'), t.auth('marketer')]);
    const p = await post('/products/', admin, {
      external_product_id: 'LIST-1', name: 'Bundle LIST-1', product_type: 'data', price: '10', currency: 'SAR', billing_cycle: 'monthly', recurring: true,
    });
    expect(p.statusCode, p.body).toBe(201);
    product = p.json().id as string;
    await create('Upsell data', 'upsell');
    await create('Upsell voice', 'upsell');
    await create('Win back lapsed', 'win_back');
    const cancelled = await create('Retention old', 'retention');
    expect((await post(`/campaigns/${cancelled.id}/cancel/`, marketer, {})).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('filters by objective, alone and with status and search, counting what it filters', async () => {
    expect(await list('objective=upsell')).toMatchObject({ status: 200, names: ['Upsell data', 'Upsell voice'], count: 2 });
    expect(await list('objective=win_back&status=draft')).toMatchObject({ names: ['Win back lapsed'], count: 1 });
    expect(await list('objective=retention&status=draft')).toMatchObject({ names: [], count: 0 });
    expect(await list('objective=upsell&search=voice')).toMatchObject({ names: ['Upsell voice'], count: 1 });
    expect((await list('')).count).toBe(4);
  });

  it('refuses an unknown objective naming the field', async () => {
    const res = await t.app.inject({ url: `${api}/campaigns/?objective=upsel`, headers: marketer });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields).toHaveProperty('objective');
  });
});
