import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import type { Role } from '@lyra/contracts';
import { ApiError } from '../../api/errors';
import { permissionsFor } from '../auth/permissions';
import { addSystemGate, refusalOf, useAddSystemGate } from './add-system';

describe('"Add system" gate', () => {
  it('is open for the admin only, and says why to everyone else', () => {
    expect(addSystemGate(permissionsFor('admin'), 'admin', null)).toEqual({ allowed: true, reason: null });
    for (const role of ['marketer', 'analyst', 'viewer'] as const) {
      const gate = addSystemGate(permissionsFor(role), role, null);
      expect(gate.allowed).toBe(false);
      expect(gate.reason).toMatch(/^Only administrators can add external systems; your role \((Marketer|Analyst|Viewer)\) cannot\.$/);
    }
    expect(addSystemGate(permissionsFor(null), null, null).reason).toBe('Only administrators can add external systems; you cannot.');
  });

  it('closes on a refusal the server reports that the form cannot fix, not on field errors', () => {
    expect(refusalOf(new ApiError({ status: 403, code: 'forbidden', message: 'Your role may not do this' }))).toBe('Your role may not do this');
    expect(refusalOf(new ApiError({ status: 409, code: 'system_inactive', message: 'This licence allows 5 systems' }))).toBe('This licence allows 5 systems');
    // Type already configured, duplicate name, validation: the form shows them; the button stays.
    expect(refusalOf(new ApiError({ status: 409, code: 'conflict', message: 'A xiva system is already configured; edit it instead', details: { fields: { system_type: ['already configured'] } } }))).toBeNull();
    expect(refusalOf(new ApiError({ status: 409, code: 'conflict', message: 'An external system with this name already exists', details: { fields: { name: ['already in use'] } } }))).toBeNull();
    expect(refusalOf(new ApiError({ status: 400, code: 'validation_error', message: 'bad', details: { fields: { base_url: ['must be a URL'] } } }))).toBeNull();
    expect(refusalOf(new Error('network'))).toBeNull();
  });

  it('follows the session role and the server, and asks afresh after a reload', () => {
    const role = ref<Role | null>('admin');
    const can = ref(permissionsFor(role.value));
    const g = useAddSystemGate(can, role);
    expect(g.gate.value.allowed).toBe(true);
    g.noteError(new ApiError({ status: 409, code: 'conflict', message: 'taken', details: { fields: { name: ['already in use'] } } }));
    expect(g.gate.value.allowed).toBe(true);
    g.noteError(new ApiError({ status: 403, code: 'forbidden', message: 'Your role may not do this' }));
    expect(g.gate.value).toEqual({ allowed: false, reason: 'The server refused to add a system: Your role may not do this' });
    g.clear();
    expect(g.gate.value.allowed).toBe(true);
    role.value = 'viewer';
    can.value = permissionsFor('viewer');
    expect(g.gate.value.reason).toMatch(/Viewer/);
  });
});
