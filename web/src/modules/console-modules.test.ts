import { describe, expect, it } from 'vitest';
import { CONSOLE_MODULES } from './console-modules';

describe('console modules', () => {
  const pages = CONSOLE_MODULES.flatMap((m) => m.pages ?? []);

  it('link each sidebar entry to a page of theirs that asks for the same permission', () => {
    for (const item of CONSOLE_MODULES.flatMap((m) => m.nav ?? [])) {
      const page = pages.find((p) => `/${p.path}` === item.to);
      expect(page, item.to).toBeDefined();
      expect(page!.meta?.permission, item.to).toBe(item.permission);
    }
  });

  it('name each page once', () => {
    const names = CONSOLE_MODULES.flatMap((m) => [...(m.pages ?? []), ...(m.standalone ?? [])]).map((p) => p.name).filter(Boolean);
    expect(new Set(names).size).toBe(names.length);
  });
});
