import { SseParser } from './sse';

describe('SSE parser', () => {
  it('splits events across chunk boundaries and joins multi-line data', () => {
    const parser = new SseParser();
    expect(parser.feed('event: notification\nid: 7\ndata: {"a"')).toEqual([]);
    expect(parser.feed(':1}\ndata: second line\n\n: keep-alive\n\ndata: plain\r\n\r\n')).toEqual([
      { event: 'notification', data: '{"a":1}\nsecond line', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
    ]);
  });

  it('ignores comments and events without data', () => {
    const parser = new SseParser();
    expect(parser.feed(': ping\n\nevent: empty\n\n')).toEqual([]);
  });
});
