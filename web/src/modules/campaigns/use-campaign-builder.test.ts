import { describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { ApiError } from '../../api/errors';
import { makeProduct } from '../products/test-fixtures';
import { useCampaignBuilder, type BuilderDeps } from './use-campaign-builder';
import { makeCampaign, makePreview } from './test-fixtures';

const STAND_IN = '22222222-2222-4222-8222-222222222222';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deps(over: Partial<BuilderDeps> = {}): BuilderDeps {
  return {
    get: vi.fn(async (id: string) => makeCampaign({ id })),
    create: vi.fn(async (body) => makeCampaign({ name: body.name })),
    update: vi.fn(async (id: string) => makeCampaign({ id })),
    submit: vi.fn(async (id: string) => makeCampaign({ id, status: 'pending_approval' })),
    preview: vi.fn(async () => makePreview()),
    standIn: vi.fn(async () => STAND_IN),
    ...over,
  };
}

function fill(b: ReturnType<typeof useCampaignBuilder>) {
  b.form.name = 'Upsell';
  b.form.objective = 'upsell';
  const product = makeProduct();
  b.form.offers.push({ product_id: product.id, product, channel: 'sms', message: 'Get {offer_name}' });
}

describe('useCampaignBuilder', () => {
  it('previews the audience live, debounced, the latest definition winning', async () => {
    const d = deps();
    const b = useCampaignBuilder(null, d, 20);
    await b.start();
    await sleep(60);
    expect(d.preview).toHaveBeenCalledTimes(1);
    expect(vi.mocked(d.preview).mock.calls[0]![0].offers).toEqual([{ product_id: STAND_IN }]);
    expect(b.previewUsesStandIn.value).toBe(true);
    expect(b.preview.value?.size).toBe(400);

    // Three quick edits: one request, with the last definition.
    b.form.audience.rules.push({ kind: 'default_risk', max: 0.3 });
    await nextTick();
    b.form.audience.rules[0] = { kind: 'default_risk', max: 0.2 };
    await nextTick();
    b.form.control_share = 0.2;
    await sleep(60);
    expect(d.preview).toHaveBeenCalledTimes(2);
    expect(vi.mocked(d.preview).mock.calls[1]![0]).toMatchObject({ audience: { rules: [{ kind: 'default_risk', max: 0.2 }] }, control_share: 0.2 });
  });

  it('keeps a slow answer to an old definition from replacing the newer one', async () => {
    let call = 0;
    const d = deps({
      preview: vi.fn(async () => {
        const mine = ++call;
        await sleep(mine === 1 ? 80 : 5);
        return makePreview({ size: mine });
      }),
    });
    const b = useCampaignBuilder(null, d, 1);
    await b.start();
    await sleep(10);
    b.form.control_share = 0.3;
    await sleep(150);
    expect(b.preview.value?.size).toBe(2);
  });

  it('stops at the first step with a problem before sending anything', async () => {
    const d = deps();
    const b = useCampaignBuilder(null, d, 1000);
    await b.start();
    b.step.value = 4;
    expect(await b.save(false)).toBeNull();
    expect(b.step.value).toBe(0);
    expect(b.errors.fieldError('name')).toBe('Name is required');
    expect(d.create).not.toHaveBeenCalled();
  });

  it('creates then submits, and shows a server refusal on the step of its field', async () => {
    const d = deps({
      submit: vi.fn(async () => {
        throw new ApiError({ status: 400, code: 'validation_error', message: 'bad', details: { fields: { 'offers.0.message': ['unknown placeholder {frist_name}'] } } });
      }),
    });
    const b = useCampaignBuilder(null, d, 1000);
    await b.start();
    fill(b);
    b.step.value = 5;
    expect(await b.save(true)).toBeNull();
    expect(d.create).toHaveBeenCalledTimes(1);
    expect(b.id.value).not.toBeNull();
    expect(b.step.value).toBe(3);
    expect(b.errors.fieldError('offers.0.message')).toMatch(/frist_name/);

    // The second try updates the saved draft instead of creating another.
    vi.mocked(d.submit).mockResolvedValueOnce(makeCampaign({ status: 'pending_approval' }));
    expect((await b.save(true))?.status).toBe('pending_approval');
    expect(d.create).toHaveBeenCalledTimes(1);
    expect(d.update).toHaveBeenCalledTimes(1);
  });

  it('edits a stored campaign in the same builder and previews its own offers', async () => {
    const product = makeProduct();
    const d = deps({ get: vi.fn(async (id: string) => makeCampaign({ id, name: 'Stored', offers: [{ position: 1, product_id: product.id, channel: 'sms', message: 'Hi', product }] })) });
    const b = useCampaignBuilder('0b6f1c9e-5d1e-4a57-9f39-2f7e0c1a9a01', d, 1);
    await b.start();
    await sleep(20);
    expect(b.form.name).toBe('Stored');
    expect(d.standIn).not.toHaveBeenCalled();
    expect(vi.mocked(d.preview).mock.calls[0]![0].offers).toEqual([{ product_id: product.id }]);
    await b.save(false);
    expect(d.update).toHaveBeenCalledWith('0b6f1c9e-5d1e-4a57-9f39-2f7e0c1a9a01', expect.objectContaining({ name: 'Stored' }));
  });
});
