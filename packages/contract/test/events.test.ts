import { describe, expect, it } from 'vitest';
import {
  type DonationReceived,
  EVENT_TYPES,
  eventSchemas,
  hasType,
  isEvent,
  knownEvent,
} from '../src/index.js';

const received: DonationReceived = {
  type: 'donation.received',
  v: 1,
  at: '2026-12-01T08:00:00.000Z',
  data: {
    donationId: '0b6f1f7e-3c2a-4c53-9a43-1f0d2b8d6a11',
    projectId: '5f7c0a52-8f4b-4a55-8f63-3d9f4f0b2c22',
    orgId: '9e2d6c1b-7a3f-4e1d-b5c4-2a8e6f3d1b33',
    amount: 5000,
    currency: 'CNY',
    paidSeq: 1,
    donor: 'a'.repeat(64),
  },
};

describe('ledger events', () => {
  it('lists every type once, each with its schema', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect(Object.keys(eventSchemas)).toEqual(EVENT_TYPES);
  });

  it('accepts an event of its declared shape', () => {
    expect(isEvent(received, 'donation.received')).toBe(true);
    expect(knownEvent(received)).toBe(received);
    expect(hasType(received, 'donation.received')).toBe(true);
  });

  // The audit tool reads events from a server it does not trust: the whole check says no to
  // each of these, where a look at the type alone would say yes.
  for (const [what, event] of [
    ['an amount as text', { ...received, data: { ...received.data, amount: '5000' } }],
    ['a zero amount', { ...received, data: { ...received.data, amount: 0 } }],
    ['a fractional amount', { ...received, data: { ...received.data, amount: 50.5 } }],
    ['an id that is not a UUID', { ...received, data: { ...received.data, orgId: '../x' } }],
    ['a donor that is not a hash', { ...received, data: { ...received.data, donor: 'alice' } }],
    ['a missing member', { ...received, data: { ...received.data, paidSeq: undefined } }],
    ['another version', { ...received, v: 2 }],
    ['a time that is not one', { ...received, at: 'yesterday' }],
    ['no data', { ...received, data: null }],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(isEvent(JSON.parse(JSON.stringify(event)), 'donation.received')).toBe(false);
      expect(knownEvent(JSON.parse(JSON.stringify(event)))).toBeNull();
    });
  }

  it('reads both versions of a refund: v1 with its reason, v2 with what was owed', () => {
    const { donationId, projectId, orgId } = received.data;
    const base = { donationId, projectId, orgId, amount: 5000, currency: 'CNY' };
    const v1 = {
      type: 'donation.refunded',
      v: 1,
      at: received.at,
      data: { ...base, reason: 'refund' },
    };
    const v2 = { type: 'donation.refunded', v: 2, at: received.at, data: { ...base, owed: 1200 } };
    expect(isEvent(v1, 'donation.refunded')).toBe(true);
    expect(isEvent(v2, 'donation.refunded')).toBe(true);
    expect(hasType(v2, 'donation.refunded')).toBe(true);
    // Each version has its own members: neither is read as the other.
    expect(isEvent({ ...v1, v: 2 }, 'donation.refunded')).toBe(false);
    expect(isEvent({ ...v2, v: 1 }, 'donation.refunded')).toBe(false);
    expect(isEvent({ ...v2, data: { ...base, owed: -1 } }, 'donation.refunded')).toBe(false);
    expect(hasType({ type: 'donation.refunded', v: 3 }, 'donation.refunded')).toBe(false);
  });

  it('knows nothing of a type it does not list, or of what is not an event', () => {
    expect(knownEvent({ ...received, type: 'campaign.started' })).toBeNull();
    expect(knownEvent({ ...received, type: 'toString' })).toBeNull();
    expect(knownEvent(null)).toBeNull();
    expect(knownEvent('donation.received')).toBeNull();
    expect(hasType({ type: 'donation.received', v: 2 }, 'donation.received')).toBe(false);
  });
});
