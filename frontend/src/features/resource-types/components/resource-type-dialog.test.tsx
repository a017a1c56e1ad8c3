import { schemaProblem } from './resource-type-dialog';

describe('parameter schema editor', () => {
  it('accepts an object schema and explains what is wrong otherwise', () => {
    expect(schemaProblem('{"type":"object","properties":{"vlan_id":{"type":"integer"}}}')).toBeNull();
    expect(schemaProblem('{"type":"object",')).toMatch(/JSON/i);
    expect(schemaProblem('[]')).toBe('the schema must be a JSON object');
    expect(schemaProblem('{"type":"string"}')).toMatch(/"type": "object"/);
    expect(schemaProblem('{"properties":[]}')).toBe('"properties" must be an object');
  });
});
