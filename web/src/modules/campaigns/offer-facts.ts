import type { Product } from '@lyra/contracts';
import { formatBand, formatMoney } from '../../lib/format';
import { BILLING_CYCLE_LABELS, systemNameOf } from '../products/product-labels';

/** An allowance as the catalog states it: a number, or unlimited (-1, negative or "unlimited", the connectors' convention). */
function allowance(raw: unknown, unit: string): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw === 'string' && /^unlimited$/i.test(raw.trim())) return 'Unlimited';
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(n)) return String(raw);
  return n < 0 ? 'Unlimited' : `${n.toLocaleString('en-US')} ${unit}`;
}

/** A product's allowances in words (data, voice, SMS, validity), only those it has. */
export function allowancesOf(p: Pick<Product, 'features'>): string[] {
  const f = p.features ?? {};
  return [
    allowance(f.data_gb, 'GB data'),
    allowance(f.voice_minutes, 'min voice'),
    allowance(f.sms, 'SMS'),
    f.validity_days !== undefined && f.validity_days !== null ? `${String(f.validity_days as number | string)} days` : null,
  ].filter((x): x is string => x !== null);
}

/** The facts an offer card and the picker show: price and cycle, allowances, source and who it is for. */
export function offerFacts(p: Product): { label: string; value: string }[] {
  return [
    { label: 'Price', value: `${formatMoney(p.price, p.currency)} · ${BILLING_CYCLE_LABELS[p.billing_cycle]}${p.recurring ? ', recurring' : ''}` },
    { label: 'Allowances', value: allowancesOf(p).join(' · ') || '—' },
    { label: 'Source', value: systemNameOf(p) },
    { label: 'Segments', value: p.target_segments.length ? p.target_segments.join(', ') : 'Everyone' },
    { label: 'Customer value', value: formatBand(p.min_customer_value, p.max_customer_value) },
    { label: 'Max default risk', value: p.max_default_risk ? `${Math.round(Number(p.max_default_risk) * 100)}%` : 'No cap' },
  ];
}
