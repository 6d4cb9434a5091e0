import { describe, expect, it } from 'vitest';
import { previewMessage } from './message-preview';

const offer = { name: 'Data 10GB', price: '49', currency: 'SAR', billing_cycle: 'monthly' as const, features: { data_gb: 10 } };

describe('previewMessage', () => {
  it('renders the sample subscribers with the offer and counts each as the SMSC would', () => {
    const p = previewMessage('Hi {first_name}, get {offer_name} ({data_gb} GB) for {price} {currency}', offer);
    expect(p.issues).toEqual([]);
    const [latin, arabic] = p.samples;
    expect(latin!.text).toBe('Hi Sara, get Data 10GB (10 GB) for 49.00 SAR');
    expect(latin!.facts.encoding).toBe('GSM-7');
    expect(latin!.facts.segments).toBe(1);
    // An Arabic name makes the whole message UCS-2.
    expect(arabic!.text).toContain('سارة');
    expect(arabic!.facts.encoding).toBe('UCS-2');
    // Some subscribers (Arabic names) will get UCS-2: the bound says so.
    expect(p.worst?.encoding).toBe('UCS-2');
    expect(p.byEncoding?.['GSM-7']).not.toBeNull();
  });

  it('counts a long Arabic text in 67-character parts', () => {
    const p = previewMessage('عرض خاص '.repeat(12), offer);
    const facts = p.samples[0]!.facts;
    expect(facts.encoding).toBe('UCS-2');
    expect(facts.length).toBe(96);
    expect(facts.segments).toBe(2);
    expect(facts.perSegment).toBe(67);
  });

  it('reports a misspelt placeholder instead of rendering it', () => {
    const p = previewMessage('Hi {frist_name}', offer);
    expect(p.samples).toEqual([]);
    expect(p.issues.map((i) => i.message).join(' ')).toMatch(/first_name/);
  });

  it('names placeholders the offer has no value for', () => {
    const p = previewMessage('{data_gb} GB', { name: 'Phone', price: '999', currency: 'SAR', billing_cycle: 'one_time', features: {} });
    expect(p.samples[0]!.missing).toEqual(['data_gb']);
  });
});
