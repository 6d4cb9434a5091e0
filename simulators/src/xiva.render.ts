/**
 * Xiva's TMF620 JSON: offerings (prices embedded or referenced, allowances as characteristics or
 * as prodSpecCharValueUse), product offering prices, categories and specifications, with the
 * serialized text cached per record until it changes or the malformed share does.
 */
import { currencyInfo, dutyFreeMinor, entryName, formatMinor, minorToFloat, type CatalogEntry, type CatalogPrice, type Family, type MalformKind } from './catalog.js';
import type { OfferingRec, XivaRecords } from './xiva.records.js';
import {
  XIVA_V4_BASE,
  XIVA_V5_BASE,
  rfc3339,
  slug,
  type ApiVersion,
  type TmfMoney,
  type TmfRef,
  type XivaEmbeddedPrice,
  type XivaOffering,
  type XivaOptions,
  type XivaProductOfferingPrice,
} from './xiva.wire.js';

const period = (p: CatalogPrice) => (p.kind === 'recurring' ? (p.period ?? 'month') : undefined);

function allowanceParts(e: CatalogEntry): Array<{ name: string; value: string; unit: string }> {
  const parts: Array<{ name: string; value: string; unit: string }> = [];
  const f = e.features;
  const num = (n: number) => (n === -1 ? 'Unlimited' : String(n));
  if (f.data_gb !== undefined) {
    const mb = e.dataInMb && f.data_gb !== -1;
    parts.push({ name: 'dataAllowance', value: mb ? String(f.data_gb * 1024) : num(f.data_gb), unit: mb ? 'MB' : 'GB' });
  }
  if (f.voice_minutes !== undefined) parts.push({ name: 'voiceAllowance', value: num(f.voice_minutes), unit: 'min' });
  if (f.sms !== undefined) parts.push({ name: 'smsAllowance', value: num(f.sms), unit: 'SMS' });
  return parts;
}

export class XivaRenderer {
  /** Set once the server listens: hrefs are absolute. */
  origin = '';
  private readonly vatPercent: number;

  constructor(
    private readonly records: XivaRecords,
    private readonly currency: string,
    private readonly priceStyle: XivaOptions['priceStyle'],
  ) {
    this.vatPercent = currencyInfo(currency).vatPercent;
  }

  private base(v: ApiVersion): string {
    return `${this.origin}${v === 'v5' ? XIVA_V5_BASE : XIVA_V4_BASE}`;
  }

  private embedded(v: ApiVersion, rec: OfferingRec): boolean {
    const style = this.priceStyle ?? (v === 'v5' ? 'embedded' : 'referenced');
    return style === 'embedded' || (style === 'mixed' && this.records.lookOf(rec).embedInMixed);
  }

  private money(minor: number, m: MalformKind | undefined): TmfMoney {
    const { currency } = this;
    return {
      unit: m === 'bad-currency' ? 'XXX' : currency,
      // A display string, not a number: rejected by Number() and parseFloat() alike.
      value: m === 'bad-price' ? `${currency} ${formatMinor(minor, currency)}` : minorToFloat(minor, currency),
    };
  }

  /** id, href and name of price n of an offering: the head of every form of a price. */
  private priceLink(v: ApiVersion, rec: OfferingRec, n: number, p: CatalogPrice): { id: string; href: string; name: string } {
    const id = this.records.popId(rec, n);
    return { id, href: `${this.base(v)}productOfferingPrice/${id}`, name: p.label };
  }

  private renderEmbeddedPrice(v: ApiVersion, rec: OfferingRec, n: number, p: CatalogPrice, m: MalformKind | undefined): XivaEmbeddedPrice {
    const per = period(p);
    return {
      ...this.priceLink(v, rec, n, p),
      priceType: p.kind,
      ...(per ? (v === 'v5' ? { recurringChargePeriodType: per } : { recurringChargePeriod: per }) : {}),
      recurringChargePeriodLength: p.kind === 'recurring' ? (p.periodLength ?? 1) : 0,
      price: {
        taxIncludedAmount: this.money(p.minor, m),
        dutyFreeAmount: this.money(dutyFreeMinor(p.minor, this.currency), m),
        taxRate: this.vatPercent,
      },
      '@type': 'ProductOfferingPrice',
    };
  }

  renderPop(v: ApiVersion, rec: OfferingRec, n: number): XivaProductOfferingPrice {
    const e = this.records.entryOf(rec);
    const p = e.prices[n - 1] as CatalogPrice;
    const m = this.records.malformOf(rec);
    const dutyFree = dutyFreeMinor(p.minor, this.currency);
    const per = period(p);
    return {
      ...this.priceLink(v, rec, n, p),
      description: `${p.label} of ${entryName(e)}, VAT included`,
      version: `1.${e.revision}`,
      lastUpdate: rfc3339(rec.lastUpdateMs, this.records.lookOf(rec).plusThree),
      lifecycleStatus: e.lifecycle,
      isBundle: false,
      priceType: p.kind,
      ...(per ? { recurringChargePeriodType: per } : {}),
      recurringChargePeriodLength: p.kind === 'recurring' ? (p.periodLength ?? 1) : 0,
      price: this.money(p.minor, m),
      tax: [{ taxCategory: 'VAT', taxRate: this.vatPercent, taxAmount: this.money(p.minor - dutyFree, m) }],
      validFor: { startDateTime: new Date(e.createdMs).toISOString() },
      '@type': 'ProductOfferingPrice',
    };
  }

  private familyRef(v: ApiVersion, f: Family): TmfRef {
    return { id: `cat-${slug(f)}`, href: `${this.base(v)}category/cat-${slug(f)}`, name: f };
  }

  private specRef(v: ApiVersion, f: Family): TmfRef {
    return { id: `ps-${slug(f)}`, href: `${this.base(v)}productSpecification/ps-${slug(f)}`, name: `${f} Specification` };
  }

  renderOffering(v: ApiVersion, rec: OfferingRec): XivaOffering {
    const { records } = this;
    const e = records.entryOf(rec);
    const m = records.malformOf(rec);
    const look = records.lookOf(rec);
    const key = records.keyOf(rec);
    const allowances = allowanceParts(e);
    const characteristic: XivaOffering['characteristic'] = [
      { name: 'productType', value: e.productType, valueType: 'string' },
      { name: 'networkTechnology', value: e.network, valueType: 'string' },
    ];
    if (look.allowancesAsCharacteristic) {
      for (const a of allowances) characteristic.push({ name: a.name, value: a.value === 'Unlimited' ? 'Unlimited' : `${a.value} ${a.unit}`, valueType: 'string' });
    }
    const validFor: XivaOffering['validFor'] = { startDateTime: new Date(e.createdMs).toISOString() };
    if (e.lifecycle === 'Retired') validFor.endDateTime = new Date(e.createdMs + 180 * 86_400_000).toISOString();
    const out: XivaOffering = {
      id: key,
      href: `${this.base(v)}productOffering/${key}`,
      name: entryName(e),
      description: e.description,
      version: `1.${e.revision}`,
      lastUpdate: rfc3339(rec.lastUpdateMs, look.plusThree),
      lifecycleStatus: e.lifecycle,
      isBundle: e.isBundle,
      isSellable: !(e.family === 'Add-ons' && e.index % 7 === 0),
      validFor,
      category: [this.familyRef(v, e.family)],
      productSpecification: this.specRef(v, e.family),
      marketSegment: e.segments.map((s) => ({ id: `seg-${slug(s)}`, name: s })),
      channel: e.channels.map((c) => ({ id: `ch-${slug(c)}`, name: c })),
      characteristic,
      productOfferingPrice: e.prices.map((p, i) =>
        this.embedded(v, rec)
          ? this.renderEmbeddedPrice(v, rec, i + 1, p, m)
          : { ...this.priceLink(v, rec, i + 1, p), '@referredType': 'ProductOfferingPrice' as const },
      ),
      '@type': 'ProductOffering',
    };
    if (!look.allowancesAsCharacteristic && allowances.length > 0) {
      out.prodSpecCharValueUse = allowances.map((a) => {
        const numeric = a.value !== 'Unlimited';
        return {
          name: a.name,
          valueType: numeric ? 'number' : 'string',
          productSpecCharacteristicValue: [{ value: a.value, unitOfMeasure: a.unit, isDefault: true, valueType: numeric ? 'number' : 'string' }],
        };
      });
    }
    if (m === 'missing-id') {
      delete out.id;
      delete out.href;
    }
    if (m === 'missing-name') delete out.name;
    return out;
  }

  offeringJson(v: ApiVersion, rec: OfferingRec): string {
    const epoch = this.records.renderEpoch;
    if (rec.json?.epoch !== epoch) rec.json = { epoch };
    return (rec.json[v] ??= JSON.stringify(this.renderOffering(v, rec)));
  }

  popJson(v: ApiVersion, rec: OfferingRec, n: number): string {
    const epoch = this.records.renderEpoch;
    if (rec.priceJson?.epoch !== epoch) rec.priceJson = { epoch, byKey: new Map() };
    const key = `${v}:${n}`;
    let text = rec.priceJson.byKey.get(key);
    if (text === undefined) {
      text = JSON.stringify(this.renderPop(v, rec, n));
      rec.priceJson.byKey.set(key, text);
    }
    return text;
  }

  renderCategory(v: ApiVersion, f: Family) {
    return {
      ...this.familyRef(v, f),
      description: `${f} offered to mobile subscribers`,
      isRoot: true,
      lifecycleStatus: 'Launched',
      lastUpdate: '2024-01-01T00:00:00Z',
      version: '1.0',
      validFor: { startDateTime: '2024-01-01T00:00:00Z' },
      '@type': 'Category',
    };
  }

  renderSpec(v: ApiVersion, f: Family) {
    return {
      ...this.specRef(v, f),
      description: `Specification of ${f.toLowerCase()}`,
      brand: 'Xiva',
      isBundle: f === 'Postpaid Plans' || f === 'Prepaid Plans',
      lifecycleStatus: 'Launched',
      lastUpdate: '2024-01-01T00:00:00Z',
      version: '1.0',
      productSpecCharacteristic: [
        { name: 'dataAllowance', valueType: 'number', configurable: false, productSpecCharacteristicValue: [{ unitOfMeasure: 'GB', valueType: 'number' }, { unitOfMeasure: 'MB', valueType: 'number' }] },
        { name: 'voiceAllowance', valueType: 'number', configurable: false, productSpecCharacteristicValue: [{ unitOfMeasure: 'min', valueType: 'number' }] },
        { name: 'smsAllowance', valueType: 'number', configurable: false, productSpecCharacteristicValue: [{ unitOfMeasure: 'SMS', valueType: 'number' }] },
      ],
      '@type': 'ProductSpecification',
    };
  }
}
