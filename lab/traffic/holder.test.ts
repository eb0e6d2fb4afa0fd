// SPDX-License-Identifier: Apache-2.0
import { takeResponse } from './holder.js';

const response = (body: string): string => `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('the holder reads keep-alive responses', () => {
  test('one response, then the next from what is left; an incomplete one waits', () => {
    const two = Buffer.from(response('node-1\n') + response('node-2\n'));
    const a = takeResponse(two);
    expect(a?.body).toBe('node-1\n');
    const b = takeResponse(a?.rest ?? Buffer.alloc(0));
    expect([b?.status, b?.body, b?.rest.length]).toEqual([200, 'node-2\n', 0]);
    expect(takeResponse(Buffer.from(response('node-1\n').slice(0, -3)))).toBeUndefined();
    expect(takeResponse(Buffer.from('HTTP/1.1 200'))).toBeUndefined();
  });

  test('a chunked answer or garbage is an error, not an answer', () => {
    expect(() => takeResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nnode-1\n\r\n0\r\n\r\n'))).toThrow(/Content-Length/);
    expect(() => takeResponse(Buffer.from('0\r\n\r\n'))).toThrow(/not an HTTP response/);
  });
});
