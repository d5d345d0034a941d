import { describe, expect, it } from 'vitest';
import { ServerRoom } from '../../src/poll/server-room.ts';

const policy = (limit: number, remaining: number) => [{ limit, remaining }];

describe('ServerRoom', () => {
  it('says nothing before a few responses within the horizon', () => {
    const room = new ServerRoom();
    room.observe('api', policy(10, 6), 0);
    room.observe('api', policy(10, 5), 250);
    expect(room.fitRate('api', 4, 300)).toBeUndefined();
    room.observe('api', policy(10, 5), 500);
    expect(room.fitRate('api', 4, 4999)).toBeCloseTo(8);
    // Three responses, but the first has left the horizon.
    expect(room.fitRate('api', 4, 5000)).toBeUndefined();
  });

  it('estimates limit * demand / held while every response shows room', () => {
    const room = new ServerRoom();
    for (let at = 0; at < 1000; at += 250) room.observe('api', policy(10, at === 500 ? 5 : 6), at);
    // Four a second, the server holding at most 5 of 10: a window of about 1.25 s, 8 a second.
    expect(room.fitRate('api', 4, 1000)).toBeCloseTo(8);
  });

  it('says nothing once a recent response shows the quota spent, until it leaves the horizon', () => {
    const room = new ServerRoom();
    for (let at = 0; at < 1000; at += 100) room.observe('api', policy(10, at === 300 ? 0 : 3), at);
    expect(room.fitRate('api', 9, 1000)).toBeUndefined();
    for (let at = 1000; at < 5400; at += 100) room.observe('api', policy(10, 3), at);
    expect(room.fitRate('api', 9, 5400)).toBeCloseTo((10 * 9) / 7);
  });

  it('says nothing across a limit change, ignores other units and unknown counts, takes the tightest policy', () => {
    const room = new ServerRoom();
    room.observe('api', policy(10, 5), 0);
    room.observe('api', policy(20, 15), 100);
    room.observe('api', policy(20, 15), 200);
    expect(room.fitRate('api', 4, 300)).toBeUndefined();
    const other = new ServerRoom();
    for (let at = 0; at < 400; at += 100) {
      other.observe('api', [{ unit: 'tokens', limit: 1000, remaining: 0 }, { limit: 100, remaining: 90 }, { limit: 1000, remaining: 500 }, { remaining: 3 }], at);
    }
    // The per-hour-like policy holding half is tighter than the one holding a tenth.
    expect(other.fitRate('api', 10, 400)).toBeCloseTo((1000 * 10) / 500);
    expect(other.fitRate('elsewhere', 10, 400)).toBeUndefined();
    expect(other.fitRate('api', 0, 400)).toBeUndefined();
  });
});

describe('ServerRoom and the quota queue', () => {
  it('says nothing while polls wait long for their tokens (the quota binds although the server shows room)', () => {
    const room = new ServerRoom();
    for (let at = 0; at < 1000; at += 100) room.observe('api', policy(10, 1), at, at === 500 ? 0.6 : 0.1);
    expect(room.fitRate('api', 9, 1000)).toBeUndefined();
    for (let at = 1000; at < 5600; at += 100) room.observe('api', policy(10, 1), at, 0.1);
    expect(room.fitRate('api', 9, 5600)).toBeCloseTo(10);
  });

  it('a poll that waited a quarter of its interval is the pace, not a binding quota', () => {
    // While the model learns a window it spreads a response's room (10 per 1 s server: one token per
    // ~80 ms): four 1 s pollers ticking together wait 0-250 ms. At a quarter that read as binding
    // and let the model's loose window bound stretch them 2.7x (data 2.9-4.1 s old, 7-8 requests in
    // one second at the next cadence reset; real Chromium, 3 runs of 6).
    const room = new ServerRoom();
    for (let at = 0; at < 1000; at += 100) room.observe('api', policy(10, 4), at, at === 500 ? 0.3 : 0.1);
    // The server holds 6 of 10 for 4 a second: about 6.7 a second fit.
    expect(room.fitRate('api', 4, 1000)).toBeCloseTo((10 * 4) / 6);
  });
});
