import { describe, expect, it } from 'vitest';
import { parseListQuery, toApiQuery, toRouteQuery } from './campaign-query';

describe('campaign list query', () => {
  it('reads the URL, ignoring what it does not know, and writes it back short', () => {
    const s = parseListQuery({ status: 'running', objective: 'upsel', search: ' ramadan ', page: '3', page_size: '7' });
    expect(s).toEqual({ status: 'running', objective: undefined, search: 'ramadan', page: 3, pageSize: 25 });
    expect(toRouteQuery(s)).toEqual({ status: 'running', search: 'ramadan', page: '3' });
    expect(toApiQuery({ ...s, objective: 'win_back', pageSize: 10 })).toEqual({ status: 'running', objective: 'win_back', search: 'ramadan', limit: 10, offset: 20 });
    expect(toApiQuery(parseListQuery({}))).toEqual({ limit: 25, offset: 0 });
  });
});
