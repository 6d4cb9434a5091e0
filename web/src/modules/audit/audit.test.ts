import { describe, expect, it } from 'vitest';
import { diffJson, showValue } from './json-diff';
import { changedFields, describeEvent } from './describe-event';
import { auditToApiQuery, auditToRouteQuery, parseAuditQuery } from './audit-query';

describe('diffJson', () => {
  it('lists changed, added and removed fields by path', () => {
    const before = { name: 'A', price: '10.00', features: { data_gb: 5, sms: 10 }, target_segments: ['youth'], same: 1 };
    const after = { name: 'B', price: '10.00', features: { data_gb: 10, voice: 100 }, target_segments: ['youth', 'vip'], same: 1 };
    expect(diffJson(before, after)).toEqual([
      { path: 'features.data_gb', kind: 'changed', before: 5, after: 10 },
      { path: 'features.sms', kind: 'removed', before: 10 },
      { path: 'features.voice', kind: 'added', after: 100 },
      { path: 'name', kind: 'changed', before: 'A', after: 'B' },
      { path: 'target_segments', kind: 'changed', before: ['youth'], after: ['youth', 'vip'] },
    ]);
  });

  it('handles creation, deletion and identical values', () => {
    expect(diffJson(null, { a: 1 })).toEqual([{ path: '(value)', kind: 'added', after: { a: 1 } }]);
    expect(diffJson({ a: 1 }, null)).toEqual([{ path: '(value)', kind: 'removed', before: { a: 1 } }]);
    expect(diffJson({ a: { b: 1, c: 2 } }, { a: { c: 2, b: 1 } })).toEqual([]);
    expect(diffJson(null, null)).toEqual([]);
  });

  it('shows values on one line', () => {
    expect(showValue('x')).toBe('x');
    expect(showValue('')).toBe('""');
    expect(showValue(null)).toBe('null');
    expect(showValue(['a'])).toBe('["a"]');
    expect(showValue(undefined)).toBe('');
  });
});

describe('audit query', () => {
  it('reads valid filters and pages', () => {
    const s = parseAuditQuery({ entity_type: 'product', action: 'update', page: '3', entity_id: 'abc' });
    expect(s).toEqual({ entity_type: 'product', action: 'update', page: 3, entity_id: 'abc' });
    expect(auditToApiQuery(s)).toEqual({ entity_type: 'product', entity_id: 'abc', action: 'update', limit: 25, offset: 50 });
    expect(auditToRouteQuery(s)).toEqual({ entity_type: 'product', entity_id: 'abc', action: 'update', page: '3' });
  });

  it('ignores junk', () => {
    expect(parseAuditQuery({ entity_type: 'DROP TABLE', action: 'hack', page: 'x' })).toEqual({ page: 1 });
  });
});

describe('describeEvent', () => {
  it('names the actor, the verb and the subject', () => {
    expect(describeEvent({ action: 'login', entity_type: 'session', before: null, after: null, actor_email: 'a@op.com' })).toEqual({
      actor: 'a@op.com',
      verb: 'signed in',
      entity: 'session',
      name: null,
      subject: null,
    });
    expect(describeEvent({ action: 'create', entity_type: 'product', before: null, after: { name: 'Daily 1GB' }, actor_email: 'system' })).toEqual({
      actor: 'System',
      verb: 'created',
      entity: 'product',
      name: 'Daily 1GB',
      subject: 'product “Daily 1GB”',
    });
    expect(describeEvent({ action: 'delete', entity_type: 'external_system', before: {}, after: null, actor_email: null }).subject).toBe('external system');
  });

  it('lists the top-level fields an update changed', () => {
    const e = { action: 'update' as const, before: { a: 1, f: { x: 1 }, updated_at: '1' }, after: { a: 2, f: { x: 2 }, updated_at: '2' } };
    expect(changedFields(e)).toEqual(['a', 'f']);
    expect(changedFields({ ...e, action: 'create' })).toEqual([]);
  });
});
