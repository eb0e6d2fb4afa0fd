// SPDX-License-Identifier: Apache-2.0
import { SessionEvents } from './session-events.js';

const peer = { address: '192.0.2.1', peerAs: 64512 };
const timeout = 'ConnectFailed: connect to 192.0.2.1:179 timed out after 10000 ms (no answer to SYN: check the TCP-MD5 password on both sides)';

describe('BGP session Events', () => {
  test('a session that cannot be established is reported once, with the dial reason, until it comes up', () => {
    const ev = new SessionEvents('node-1');
    expect(ev.transition('tor', peer, 'Connect', 'Idle', 'Start')).toBeUndefined();
    expect(ev.transition('tor', peer, 'Active', 'Connect', timeout)).toEqual({
      type: 'Warning',
      reason: 'SessionNotEstablished',
      message: `BGP session of node node-1 with 192.0.2.1 (AS 64512) cannot be established: ${timeout}`,
    });
    expect(ev.transition('tor', peer, 'Connect', 'Active', 'ConnectRetry')).toBeUndefined();
    expect(ev.transition('tor', peer, 'Active', 'Connect', timeout)).toBeUndefined();
    expect(ev.transition('tor', peer, 'Established', 'OpenConfirm', 'KeepaliveReceived')).toMatchObject({ type: 'Normal', reason: 'SessionEstablished' });
  });

  test('a stop the speaker asked for is not an Event', () => {
    const ev = new SessionEvents('node-1');
    ev.transition('tor', peer, 'Established', 'OpenConfirm', 'KeepaliveReceived');
    expect(ev.transition('tor', peer, 'Idle', 'Established', 'AdminDown')).toBeUndefined();
    expect(ev.transition('tor', peer, 'Idle', 'Established', 'GracefulStop')).toBeUndefined();
  });

  test('down after established is a Warning with the reason; a later failure to reconnect is not repeated', () => {
    const ev = new SessionEvents('node-2');
    ev.transition('tor', peer, 'Established', 'OpenConfirm', 'KeepaliveReceived');
    expect(ev.transition('tor', peer, 'Idle', 'Established', 'HoldTimerExpired')).toEqual({ type: 'Warning', reason: 'SessionDown', message: 'BGP session of node node-2 with 192.0.2.1 (AS 64512) went down: HoldTimerExpired' });
    expect(ev.transition('tor', peer, 'Active', 'Connect', timeout)).toBeUndefined();
  });

  test('a NOTIFICATION from the router (e.g. bad peer AS) is reported; each peer is tracked on its own', () => {
    const ev = new SessionEvents('node-1');
    expect(ev.transition('a', peer, 'Idle', 'OpenSent', 'NotificationReceived: OPEN Message Error / Bad Peer AS')?.reason).toBe('SessionNotEstablished');
    expect(ev.transition('b', { address: '192.0.2.2', peerAs: 64512 }, 'Idle', 'OpenSent', 'NotificationReceived: x')?.message).toContain('192.0.2.2');
    ev.retain(['b']);
    expect(ev.transition('a', peer, 'Idle', 'OpenSent', 'NotificationReceived: x')?.reason).toBe('SessionNotEstablished');
  });
});
