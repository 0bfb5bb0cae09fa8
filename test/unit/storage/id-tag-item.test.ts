/** An id tag's validity is stored apart from the table's TTL attribute, and older items still read. */
import { describe, expect, it } from 'vitest';
import { idTagItem, toIdTag } from '../../../shared/adapters/dynamodb/charger-repository.js';
import { keys } from '../../../shared/adapters/dynamodb/keys.js';
import type { IdTag } from '../../../shared/domain/entities.js';

const tag: IdTag = {
  operatorId: 'op-1',
  idTag: 'Tag-1',
  kind: 'fleet',
  expiresAt: '2027-01-01T00:00:00.000Z',
};

describe('id tag items', () => {
  it('store the validity as validUntil, never in the TTL attribute', () => {
    const item = idTagItem(tag);
    expect(item).toMatchObject({ ...keys.idTag('op-1', 'Tag-1'), validUntil: tag.expiresAt });
    expect(item).not.toHaveProperty('expiresAt');
    expect(toIdTag(item)).toEqual(tag);
  });

  it.each([
    ['ISO-8601 in expiresAt', '2027-01-01T00:00:00.000Z'],
    ['epoch seconds in expiresAt', 1_798_761_600],
  ])('read an older item with %s', (_, stored) => {
    const { validUntil: _v, ...older } = idTagItem(tag);
    expect(toIdTag({ ...older, expiresAt: stored })).toEqual(tag);
  });

  it('read a tag without validity as one without expiresAt', () => {
    const { expiresAt: _, ...forever } = tag;
    expect(toIdTag(idTagItem(forever))).toEqual(forever);
  });
});
