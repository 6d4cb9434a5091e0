import { beforeEach, describe, expect, it, vi } from 'vitest';

const confirm = vi.fn();
vi.mock('element-plus', () => ({ ElMessageBox: { confirm: (...args: unknown[]) => confirm(...args) } }));

const { confirmAction } = await import('./confirm');

describe('confirmAction', () => {
  beforeEach(() => confirm.mockReset());

  it('is a yes only when the box is confirmed', async () => {
    confirm.mockResolvedValueOnce('confirm');
    expect(await confirmAction('Delete "x"?', 'Delete product', 'Delete')).toBe(true);
    confirm.mockRejectedValueOnce('cancel');
    expect(await confirmAction('Delete "x"?', 'Delete product', 'Delete')).toBe(false);
    confirm.mockRejectedValueOnce('close');
    expect(await confirmAction('Delete "x"?', 'Delete product', 'Delete')).toBe(false);
  });

  it('words the buttons and colours the confirming one by its tone', async () => {
    confirm.mockResolvedValue('confirm');
    await confirmAction('Delete "x"?', 'Delete product', 'Delete');
    await confirmAction('Run it?', 'Confirm retirement', 'Force full sync', 'warning');
    await confirmAction('Use v2?', 'Activate v2?', 'Activate', 'primary');
    expect(confirm.mock.calls).toEqual([
      ['Delete "x"?', 'Delete product', { type: 'warning', confirmButtonText: 'Delete', cancelButtonText: 'Cancel', confirmButtonClass: 'el-button--danger' }],
      ['Run it?', 'Confirm retirement', { type: 'warning', confirmButtonText: 'Force full sync', cancelButtonText: 'Cancel', confirmButtonClass: 'el-button--warning' }],
      ['Use v2?', 'Activate v2?', { type: 'warning', confirmButtonText: 'Activate', cancelButtonText: 'Cancel' }],
    ]);
  });
});
