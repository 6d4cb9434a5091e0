import { describe, expect, it } from 'vitest';
import { AudienceDefinition, CampaignCreate } from '@lyra/contracts';
import { makeProduct } from '../products/test-fixtures';
import { checkStep, emptyForm, formOf, newRule, previewRequest, requiredSegment, stepOfField, toBody } from './campaign-form';
import { RULE_KIND_LABELS, describeRule, ruleLines } from './campaign-labels';
import { makeCampaign } from './test-fixtures';

const P1 = '11111111-1111-4111-8111-111111111111';

describe('campaign form', () => {
  it('starts every rule kind the contract has with values the contract accepts', () => {
    for (const kind of Object.keys(RULE_KIND_LABELS) as (keyof typeof RULE_KIND_LABELS)[]) {
      const node = newRule(kind);
      if (node.kind === 'group') node.rules.push(newRule('value_band'));
      if (node.kind === 'segments') node.segments.push('youth');
      if (node.kind === 'region') node.regions.push('Riyadh');
      const parsed = AudienceDefinition.safeParse({ rules: [node] });
      expect(parsed.success, `${kind}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(describeRule(node)).not.toBe('');
    }
  });

  it('sends the definition as the API takes it: empty range ends left out, exclusions and cut as set', () => {
    const form = emptyForm();
    form.name = 'Upsell';
    form.objective = 'upsell';
    form.audience.rules.push({ kind: 'tenure_months', min: 6, max: null as unknown as number }, { kind: 'customer_value', min: '', max: '500' } as never);
    form.audience.exclusions.contacted_within_days = 14;
    form.audience.cut = { by: 'uplift', top: 500 };
    form.offers.push({ product_id: P1, product: null, channel: 'sms', message: 'Get {offer_name}' });
    form.budget_amount = '1000';
    form.budget_currency = 'SAR';
    const body = toBody(form);
    expect(body.audience?.rules).toEqual([{ kind: 'tenure_months', min: 6 }, { kind: 'customer_value', max: '500' }]);
    expect(body.audience?.exclusions).toEqual({ do_not_contact: true, in_running_campaigns: false, contacted_within_days: 14 });
    expect(body.audience?.cut).toEqual({ by: 'uplift', top: 500 });
    expect(body.offers).toEqual([{ product_id: P1, channel: 'sms', message: 'Get {offer_name}' }]);
    expect(CampaignCreate.safeParse(body).success).toBe(true);
  });

  it('previews with the picked offers, or a stand-in before any, and the budget and cost given', () => {
    const form = emptyForm();
    expect(previewRequest(form, null)).toBeNull();
    expect(previewRequest(form, P1)?.offers).toEqual([{ product_id: P1 }]);
    form.offers.push({ product_id: 'p2', product: null, channel: 'sms', message: 'x' });
    form.budget_contacts = 100;
    form.cost_per_contact = '0.05';
    expect(previewRequest(form, P1)).toMatchObject({ offers: [{ product_id: 'p2' }], budget: { contacts: 100 }, cost_per_contact: '0.05', control_share: 0.1 });
  });

  it('reads a stored campaign back into the builder', () => {
    const product = makeProduct({ id: P1 });
    const c = makeCampaign({
      name: 'Stored', control_share: 0.2, budget_amount: '50.00', budget_currency: 'SAR',
      audience: { rules: [{ kind: 'default_risk', max: 0.2 }], exclusions: { do_not_contact: false, in_running_campaigns: true, contacted_within_days: 7 } },
      offers: [{ position: 1, product_id: P1, channel: 'email', message: 'Hi', product }],
    });
    const form = formOf(c);
    expect(form).toMatchObject({ name: 'Stored', control_share: 0.2, budget_amount: '50.00', budget_currency: 'SAR' });
    expect(form.audience.exclusions).toEqual({ do_not_contact: false, in_running_campaigns: true, contacted_within_days: 7 });
    expect(form.offers[0]).toMatchObject({ product_id: P1, product, channel: 'email' });
    // Editing the form does not touch the stored answer.
    form.audience.rules.pop();
    expect((c.audience as { rules: unknown[] }).rules).toHaveLength(1);
  });

  it('sends a refused field to the step that shows it', () => {
    expect(stepOfField('name')).toBe(0);
    expect(stepOfField('ends_at')).toBe(0);
    expect(stepOfField('audience.rules.0.rules.1.segments')).toBe(1);
    expect(stepOfField('offers.1.product_id')).toBe(2);
    expect(stepOfField('offers')).toBe(2);
    expect(stepOfField('offers.0.message')).toBe(3);
    expect(stepOfField('budget_currency')).toBe(4);
  });

  it("checks each step's own fields before moving on", () => {
    const form = emptyForm();
    expect(Object.keys(checkStep(form, 0)).sort()).toEqual(['name', 'objective']);
    expect(checkStep(form, 2)).toHaveProperty('offers');
    form.offers.push({ product_id: P1, product: null, channel: 'sms', message: ' ' });
    expect(checkStep(form, 3)).toHaveProperty(['offers.0.message']);
    form.budget_amount = '10';
    expect(checkStep(form, 4)).toHaveProperty('budget_currency');
  });

  it('narrows the picker to a segment every member is in', () => {
    expect(requiredSegment([{ kind: 'segments', match: 'any', segments: ['youth'] }])).toBe('youth');
    expect(requiredSegment([{ kind: 'segments', match: 'all', segments: ['youth', 'students'] }])).toBe('youth');
    expect(requiredSegment([{ kind: 'segments', match: 'any', segments: ['youth', 'students'] }])).toBeUndefined();
    expect(requiredSegment([{ kind: 'segments', match: 'none', segments: ['youth'] }])).toBeUndefined();
    expect(requiredSegment([{ kind: 'group', match: 'any', rules: [{ kind: 'segments', match: 'any', segments: ['youth'] }] }])).toBeUndefined();
  });

  it('reads rules as sentences, groups indented', () => {
    const lines = ruleLines([
      { kind: 'propensity', product_id: P1, min: 0.4 },
      { kind: 'group', match: 'any', rules: [{ kind: 'value_band', bands: ['high', 'vip'] }, { kind: 'late_bills', months: 6, max: 0 }] },
    ], (id) => (id === P1 ? 'Data 10GB' : id));
    expect(lines).toEqual([
      { depth: 0, text: 'Propensity for Data 10GB ≥ 0.4' },
      { depth: 0, text: 'Any of 2 rules' },
      { depth: 1, text: 'Value band high or vip' },
      { depth: 1, text: 'Late bills in 6 months at most 0' },
    ]);
  });
});
