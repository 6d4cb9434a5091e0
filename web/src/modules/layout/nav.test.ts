import { describe, expect, it } from 'vitest';
import { permissionsFor } from '../auth/permissions';
import { activeNav, initials, visibleNav } from './nav';

describe('navigation', () => {
  it('shows admins everything and others only what they can open', () => {
    const labels = (role: Parameters<typeof permissionsFor>[0]) => visibleNav(permissionsFor(role)).flatMap((g) => g.items.map((i) => i.label));
    expect(labels('admin')).toEqual(['Campaigns', 'Dashboard', 'Product Catalog', 'External systems', 'Sync history', 'Users', 'Audit log', 'Customers', 'ML models']);
    expect(labels('viewer')).toEqual(['Campaigns', 'Dashboard', 'Product Catalog', 'Sync history', 'Customers', 'ML models']);
  });

  it('puts Campaigns first for marketers', () => {
    const labels = visibleNav(permissionsFor('marketer')).flatMap((g) => g.items.map((i) => i.label));
    expect(labels[0]).toBe('Campaigns');
    expect(activeNav('/campaigns/0b6f1c9e/edit')).toBe('/campaigns');
  });

  it('highlights the deepest matching entry', () => {
    expect(activeNav('/admin')).toBe('/admin');
    expect(activeNav('/admin/products')).toBe('/admin/products');
    expect(activeNav('/admin/products/123')).toBe('/admin/products');
    expect(activeNav('/admin/productsX')).toBe('/admin');
    expect(activeNav('/admin/sync-runs/5b1c')).toBe('/admin/sync-runs');
    expect(activeNav('/elsewhere')).toBeNull();
  });

  it('makes initials', () => {
    expect(initials('Mona Lisa Marketer')).toBe('MM');
    expect(initials('admin')).toBe('AD');
    expect(initials('  ')).toBe('?');
  });
});
