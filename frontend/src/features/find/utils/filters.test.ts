import { parseFilters } from './filters';

describe('parseFilters', () => {
  it('reads equalities, numbers, booleans and combined ranges', () => {
    expect(parseFilters('gpu=a100\nmemory_gb>=64, memory_gb<256\nrdma=true\ncores=32')).toEqual({
      filters: { gpu: 'a100', memory_gb: { gte: 64, lt: 256 }, rdma: true, cores: 32 },
      invalid: [],
    });
  });
  it('returns the lines it cannot read', () => {
    expect(parseFilters('gpu\n>=4\nok=1')).toEqual({ filters: { ok: 1 }, invalid: ['gpu', '>=4'] });
  });
  it('ignores blank lines', () => {
    expect(parseFilters('\n  \n')).toEqual({ filters: {}, invalid: [] });
  });
});
