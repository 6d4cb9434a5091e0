import { SYSTEM_TYPES } from '@lyra/contracts';
import { describe, expect, it } from 'vitest';
import { designatedSystems, pickSystem } from './system-ref.js';

const systems = [
  { id: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b', name: 'Xiva BSS', systemType: 'xiva' },
  { id: '7a2e3d4c-5b6f-4071-9b8c-0d1e2f3a4b5c', name: 'Xiva staging', systemType: 'xiva' },
  { id: '8b3f4e5d-6c70-4182-8c9d-1e2f3a4b5c6d', name: 'Prepaid OCS', systemType: 'billing' },
  { id: '9c405f6e-7d81-4293-9dae-2f3a4b5c6d7e', name: 'Postpaid billing', systemType: 'billing' },
  { id: 'ad516a7f-8e92-43a4-8ebf-3a4b5c6d7e8f', name: 'CRM', systemType: 'crm' },
  // An operator may name a system after another type: the name wins.
  { id: 'be627b80-9fa3-44b5-9fc0-4b5c6d7e8f90', name: 'billing', systemType: 'crm' },
];
const pick = (ref: string) => {
  const r = pickSystem(ref, systems, SYSTEM_TYPES);
  return 'system' in r ? r.system.name : r.error;
};

describe('naming a system on the command line (npm run sync -- --system NAME)', () => {
  it('takes a name: exact first, then ignoring case and spaces', () => {
    expect(pick('Xiva staging')).toBe('Xiva staging');
    expect(pick('  xiva STAGING ')).toBe('Xiva staging');
    expect(pick('Prepaid OCS')).toBe('Prepaid OCS');
  });

  it('takes an id', () => {
    expect(pick('8b3f4e5d-6c70-4182-8c9d-1e2f3a4b5c6d')).toBe('Prepaid OCS');
    expect(pick('8B3F4E5D-6C70-4182-8C9D-1E2F3A4B5C6D')).toBe('Prepaid OCS');
  });

  it('takes a type while only one system has it', () => {
    expect(pick('crm')).toBe('CRM'); // "CRM" is also its name, ignoring case
    expect(pickSystem('crm', systems.filter((s) => s.name !== 'CRM'), SYSTEM_TYPES)).toMatchObject({ system: { name: 'billing' } });
    expect(pickSystem('xiva', systems.slice(0, 1), SYSTEM_TYPES)).toMatchObject({ system: { name: 'Xiva BSS' } });
  });

  it('refuses a type several systems share, listing their names', () => {
    expect(pick('xiva')).toBe('2 xiva systems are configured ("Xiva BSS", "Xiva staging"); name one of them');
  });

  it('lets a name win over a type', () => {
    expect(pick('billing')).toBe('billing');
    expect(designatedSystems('billing', systems, SYSTEM_TYPES)).toMatchObject({ by: 'name', systems: [{ systemType: 'crm' }] });
  });

  it('refuses what names nothing, listing what is configured', () => {
    expect(pick('Xiva prod')).toBe('no external system is named "Xiva prod"; configured: "Xiva BSS", "Xiva staging", "Prepaid OCS", "Postpaid billing", "CRM", "billing"');
    expect(pickSystem('xiva', [], SYSTEM_TYPES)).toEqual({ error: 'no xiva system is configured' });
    expect(pickSystem('Xiva BSS', [], SYSTEM_TYPES)).toEqual({ error: 'no external system is named "Xiva BSS"; none is configured' });
  });

  it('refuses a name that matches several systems only when case is ignored', () => {
    const twins = [...systems, { id: 'cf738c91-a0b4-45c6-80d1-5c6d7e8f9001', name: 'prepaid ocs', systemType: 'billing' }];
    expect(pickSystem('Prepaid OCS', twins, SYSTEM_TYPES)).toMatchObject({ system: { id: '8b3f4e5d-6c70-4182-8c9d-1e2f3a4b5c6d' } });
    expect(pickSystem('PREPAID OCS', twins, SYSTEM_TYPES)).toEqual({ error: '"PREPAID OCS" names 2 systems ("Prepaid OCS", "prepaid ocs"); give the exact name or the id' });
  });
});
