import { describe, expect, it } from 'vitest';
import { CLIENT_ID_PATTERN, parseClientMessage } from './browserProtocol';

describe('browser host wire protocol', () => {
  it('parses a dialog answer with a name or a cancel', () => {
    expect(parseClientMessage('{"type":"dialogAnswer","id":3,"name":"net.json"}')).toEqual({
      type: 'dialogAnswer',
      id: 3,
      name: 'net.json',
    });
    expect(parseClientMessage('{"type":"dialogAnswer","id":0,"name":null}')).toEqual({
      type: 'dialogAnswer',
      id: 0,
      name: null,
    });
  });

  it('refuses anything else a page might send', () => {
    for (const text of [
      '',
      'not json',
      'null',
      '[]',
      '"dialogAnswer"',
      '{"type":"dialogAnswer","id":"3","name":null}',
      '{"type":"dialogAnswer","id":1.5,"name":null}',
      '{"type":"dialogAnswer","id":1,"name":7}',
      '{"type":"dialogAnswer","id":1}',
      '{"type":"run","id":1,"name":null}',
      '{"type":"dialogAnswer","id":1,"name":null,"extra":1}',
      '{"__proto__":{"type":"dialogAnswer"},"id":1,"name":null}',
    ]) {
      expect(parseClientMessage(text), text).toBeNull();
    }
  });

  it('client ids are 8 to 64 URL-safe characters', () => {
    expect(CLIENT_ID_PATTERN.test('abcDEF12_-')).toBe(true);
    expect(CLIENT_ID_PATTERN.test('short')).toBe(false);
    expect(CLIENT_ID_PATTERN.test('a'.repeat(65))).toBe(false);
    expect(CLIENT_ID_PATTERN.test('abc/def/ghi')).toBe(false);
  });
});
