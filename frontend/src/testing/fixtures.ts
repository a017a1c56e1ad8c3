import type { ReservationRead, ResourceRead, ResourceTypeRead, SiteOut } from '@/lib/api/types';

const NOW = '2030-01-01T00:00:00Z';

export function page<T>(items: T[]) {
  return { items, meta: { page: 1, size: 100, total: items.length, pages: 1 } };
}

export function siteFixture(overrides: Partial<SiteOut> = {}): SiteOut {
  return {
    id: 'site-1',
    slug: 'lab',
    name: 'Network lab',
    description: '',
    visibility: 'public',
    time_zone: 'UTC',
    my_role: 'member',
    version: 1,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

export function typeFixture(overrides: Partial<ResourceTypeRead> = {}): ResourceTypeRead {
  return {
    id: 'type-switch',
    site_id: 'site-1',
    name: 'Switch port',
    color: '#3366cc',
    description: '',
    parameters: {
      type: 'object',
      properties: { vlan_id: { type: 'integer', minimum: 2, maximum: 4094, title: 'VLAN id' } },
      required: ['vlan_id'],
      additionalProperties: false,
    },
    lead_time: 'PT0S',
    teardown_grace: 'PT0S',
    max_duration: null,
    booking_horizon: null,
    minimum_notice: 'PT0S',
    requires_approval: false,
    on_provisioning_failure: 'release',
    capacity: 1,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

export function resourceFixture(overrides: Partial<ResourceRead> = {}): ResourceRead {
  return {
    id: 'res-1',
    site_id: 'site-1',
    type_id: 'type-switch',
    parent_id: null,
    name: 'Port Gi1/0/7',
    description: '',
    location: 'Rack A',
    attributes: {},
    status: 'active',
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

export function reservationFixture(overrides: Partial<ReservationRead> = {}): ReservationRead {
  return {
    id: 'rsv-1',
    site_id: 'site-1',
    resource_id: 'res-1',
    owner_id: 'sub-bob',
    created_by: 'sub-bob',
    title: 'VLAN test',
    description: '',
    quantity: 1,
    start: '2030-01-02T09:00:00Z',
    end: '2030-01-02T10:00:00Z',
    status: 'confirmed',
    status_reason: null,
    parameters: { vlan_id: 42 },
    provisioning: { state: 'pending', message: null, details: {}, updated_at: null },
    version: 3,
    created_at: NOW,
    updated_at: NOW,
    extended_by: 'PT0S',
    checked_in_at: null,
    ...overrides,
  };
}
