import * as fs from 'node:fs';
import * as path from 'node:path';
import { tcpMd5 } from './tcp.js';

const built = fs.existsSync(path.resolve(__dirname, '../../native/tcpmd5/build/Release/tcpmd5.node'));
const suite = built ? describe : describe.skip;

suite(`TCP-MD5 addon${built ? '' : ' (skipped: not built, run scripts/setup.sh)'}`, () => {
  test.each([[4, '192.0.2.1'], [6, '2001:db8:0:1::1'], [6, '192.0.2.1']])('sets and removes a key on an IPv%i socket for %s', (family, peer) => {
    const a = tcpMd5();
    const fd = a.socket(family);
    try {
      expect(fd).toBeGreaterThan(2);
      a.setMd5(fd, peer, Buffer.from('s3cret'));
      a.setMd5(fd, peer, Buffer.alloc(0));
    } finally {
      a.close(fd);
    }
  });

  test('bad input is a clear error, not a crash', () => {
    const a = tcpMd5();
    const fd = a.socket(4);
    try {
      expect(() => a.setMd5(fd, 'not-an-ip', Buffer.from('x'))).toThrow(/not an IP address/);
      expect(() => a.setMd5(fd, '192.0.2.1', Buffer.alloc(81))).toThrow(/longer than 80 bytes/);
      expect(() => a.setInt(-1, 0, 2, 64)).toThrow(/setsockopt/);
    } finally {
      a.close(fd);
    }
  });
});
