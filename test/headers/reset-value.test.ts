import { describe, expect, test } from 'vitest';
import { absoluteToClient, deltaToClient } from '../../src/headers/clock.ts';
import type { Clock } from '../../src/headers/clock.ts';
import { parseHttpDate, parseIsoDate, parseLooseDate, splitDateAwareList } from '../../src/headers/dates.ts';
import { parseGoDuration } from '../../src/headers/go-duration.ts';
import { classifyResetList, classifyResetValue, latestReset } from '../../src/headers/reset-value.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const clock: Clock = { now: NOW, serverDate: undefined, serverDateSlackMs: 0 };
const DAY = 86_400_000;

describe('Go durations', () => {
  test.each([
    ['1s', 1000, 1000],
    ['6m0s', 360_000, 1000],
    ['12ms', 12, 1],
    ['9ms', 9, 1],
    ['2m59.56s', 179_560, 10],
    ['7.66s', 7660, 10],
    ['1h0m0s', 3_600_000, 1000],
    ['1h', 3_600_000, 3_600_000],
    ['0s', 0, 1000],
    ['37s', 37_000, 1000],
    ['1.5s', 1500, 100],
    ['500us', 0.5, 1],
    ['1500000ns', 1.5, 1],
  ])('%s is %d ms (precision %d)', (input, ms, precision) => {
    expect(parseGoDuration(input)).toEqual({ ms, precisionMs: precision });
  });

  test.each(['', '12', 's', '1x', '-1s', '1s ago', '1 s', 'ms', '6m0', '1.2.3s'])('%j is not a duration', (input) => {
    expect(parseGoDuration(input)).toBeUndefined();
  });
});

describe('HTTP-dates', () => {
  const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
  test.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', 'IMF-fixdate'],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 'rfc850'],
    ['Sun Nov  6 08:49:37 1994', 'asctime, read as UTC (not local time)'],
    ['sun, 06 nov 1994 08:49:37 gmt', 'lowercase'],
    ['Sun, 6 Nov 1994 08:49:37 GMT', 'one-digit day'],
    ['Sun, 06 Nov 1994 08:49:37 +0000', 'numeric zero zone'],
  ])('%s (%s)', (input) => {
    expect(parseHttpDate(input, Date.UTC(2000, 0, 1))).toBe(expected);
  });

  test('rfc850 two-digit years more than 50 years ahead are in the past century', () => {
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2025, 0, 1))).toBe(expected);
    expect(parseHttpDate('Monday, 06-Nov-23 08:49:37 GMT', Date.UTC(2025, 0, 1))).toBe(Date.UTC(2023, 10, 6, 8, 49, 37));
  });

  test.each(['Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Foo 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 25:49:37 GMT', 'yesterday', ''])(
    '%j is rejected',
    (input) => {
      expect(parseHttpDate(input, NOW)).toBeUndefined();
    },
  );

  test('a comma-joined pair splits only before the weekday', () => {
    expect(splitDateAwareList('Wed, 21 Oct 2015 07:28:00 GMT, Thu, 22 Oct 2015 07:28:00 GMT')).toEqual([
      'Wed, 21 Oct 2015 07:28:00 GMT',
      'Thu, 22 Oct 2015 07:28:00 GMT',
    ]);
    expect(splitDateAwareList('Sun Nov  6 08:49:37 1994, Mon Nov  7 08:49:37 1994')).toHaveLength(2);
    expect(splitDateAwareList('60, 4999')).toEqual(['60', '4999']);
  });
});

describe('ISO 8601 / RFC 3339', () => {
  test.each([
    ['2025-08-21T12:40:59Z', Date.UTC(2025, 7, 21, 12, 40, 59), 1000],
    ['2020-09-08T13:25:00.019685Z', Date.UTC(2020, 8, 8, 13, 25, 0, 19), 1],
    ['2024-05-01T10:31Z', Date.UTC(2024, 4, 1, 10, 31), 60_000],
    ['2018-03-13T00:00:00Z', Date.UTC(2018, 2, 13), 1000],
    ['2025-01-15T14:00:00+02:00', Date.UTC(2025, 0, 15, 12), 1000],
    ['2025-01-15T10:30:00-0130', Date.UTC(2025, 0, 15, 12), 1000],
    ['2025-01-15 12:00:00', Date.UTC(2025, 0, 15, 12), 1000],
    ['2025-01-15T12:00:00.5Z', Date.UTC(2025, 0, 15, 12, 0, 0, 500), 100],
  ])('%s', (input, time, precisionMs) => {
    expect(parseIsoDate(input)).toEqual({ time, precisionMs });
  });

  test.each(['2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-15T12:00:00+25:00', '15/01/2025', '2025-1-5T1:00Z'])(
    '%s is rejected',
    (input) => {
      expect(parseIsoDate(input)).toBeUndefined();
    },
  );
});

describe('loose dates', () => {
  test("JavaScript's Date.toString() (lemlist)", () => {
    expect(parseLooseDate('Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)')).toBe(Date.UTC(2021, 1, 16, 8, 2, 42));
  });
  test('strings without a year and a clock time are not handed to Date.parse', () => {
    expect(parseLooseDate('1')).toBeUndefined();
    expect(parseLooseDate('foo 2')).toBeUndefined();
  });
});

describe('clock conversions', () => {
  test('absolute instants are moved onto the caller clock by the server Date', () => {
    const skewed: Clock = { now: NOW, serverDate: NOW - 5 * 60_000, serverDateSlackMs: 0 };
    expect(absoluteToClient(NOW - 4 * 60_000, skewed)).toBe(NOW + 60_000);
  });
  test('recent past instants are now; far ones are unknown', () => {
    expect(absoluteToClient(NOW - 1000, clock)).toBe(NOW);
    expect(absoluteToClient(NOW - DAY - 1, clock)).toBeUndefined();
    expect(absoluteToClient(NOW + 401 * DAY, clock)).toBeUndefined();
    expect(absoluteToClient(Number.NaN, clock)).toBeUndefined();
  });
  test('deltas: negative, non-finite and absurd are unknown', () => {
    expect(deltaToClient(1500, clock)).toBe(NOW + 1500);
    expect(deltaToClient(-1, clock)).toBeUndefined();
    expect(deltaToClient(Number.POSITIVE_INFINITY, clock)).toBeUndefined();
    expect(deltaToClient(401 * DAY, clock)).toBeUndefined();
  });
});

describe('classifyResetValue (§7.2)', () => {
  test.each([
    ['6m0s', NOW + 360_000, 'duration', 1000],
    ['12ms', NOW + 12, 'duration', 1],
    ['2025-01-15T12:00:30Z', NOW + 30_000, 'iso-8601', 1000],
    ['Wed, 15 Jan 2025 12:01:00 GMT', NOW + 60_000, 'http-date', 1000],
    [String((NOW + 90_000) / 1000), NOW + 90_000, 'epoch-seconds', 1000],
    [((NOW + 90_123) / 1000).toFixed(3), NOW + 90_123, 'epoch-seconds', 1],
    [String(NOW + 90_000), NOW + 90_000, 'epoch-ms', 1],
    ['30', NOW + 30_000, 'delta-seconds', 1000],
    ['64.57', NOW + 64_570, 'delta-seconds', 10],
    ['0', NOW, 'delta-seconds', 1000],
    ['"30"', NOW + 30_000, 'delta-seconds', 1000],
  ])('%s', (input, resetAt, kind, precisionMs) => {
    expect(classifyResetValue(input, clock)).toEqual({ resetAt, kind, precisionMs });
  });

  test.each([
    ['-1', 'sentinel'],
    ['', 'empty'],
    ['soon', 'garbage'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['1e3', 'exponent notation'],
    ['500000000000', 'between epoch seconds and epoch ms'],
    ['99999999999999999999', 'beyond epoch ms'],
    ['100000000', 'a delta of 3 years'],
    ['1655120964', 'an epoch from 2022, read in 2025'],
    ['x'.repeat(200), 'too long'],
  ])('%s is unknown (%s)', (input) => {
    expect(classifyResetValue(input, clock)).toBeUndefined();
  });

  test('a ms name hint makes a small number a delta in ms', () => {
    expect(classifyResetValue('1500', clock, { headerName: 'x-ratelimit-reset-ms' })).toMatchObject({ resetAt: NOW + 1500, kind: 'delta-ms' });
    expect(classifyResetValue('1500', clock, { headerName: 'x-ratelimit-reset' })).toMatchObject({ resetAt: NOW + 1_500_000 });
  });

  test('a delta far beyond the stated window but within it in ms is ms (Prisjakt)', () => {
    expect(classifyResetValue('600000', clock, { windowMs: 600_000 })).toMatchObject({ resetAt: NOW + 600_000, kind: 'delta-ms' });
  });

  test('dialect hints decide the numeric unit', () => {
    expect(classifyResetValue('600000', clock, { hint: 'delta-ms' })).toMatchObject({ resetAt: NOW + 600_000 });
    expect(classifyResetValue('5', clock, { hint: 'delta-seconds' })).toMatchObject({ resetAt: NOW + 5000 });
    expect(classifyResetValue(String(NOW / 1000 + 10), clock, { hint: 'epoch-seconds' })).toMatchObject({ resetAt: NOW + 10_000 });
    expect(classifyResetValue(String(NOW + 10_000), clock, { hint: 'epoch-seconds' })).toMatchObject({ resetAt: NOW + 10_000 });
    expect(classifyResetValue('5', clock, { hint: 'epoch-seconds' })).toBeUndefined();
  });

  test('absolute values are skew-corrected by the server Date, deltas are not', () => {
    const serverAhead: Clock = { now: NOW, serverDate: NOW + 3_600_000, serverDateSlackMs: 0 };
    const epoch = String((NOW + 3_600_000 + 30_000) / 1000);
    expect(classifyResetValue(epoch, serverAhead)).toMatchObject({ resetAt: NOW + 30_000 });
    expect(classifyResetValue('2025-01-15T13:00:30Z', serverAhead)).toMatchObject({ resetAt: NOW + 30_000 });
    expect(classifyResetValue('30', serverAhead)).toMatchObject({ resetAt: NOW + 30_000 });
  });

  test('plausibility is judged against the server clock when known', () => {
    const oldServer: Clock = { now: NOW, serverDate: Date.UTC(2022, 5, 13, 11, 48, 0), serverDateSlackMs: 0 };
    expect(classifyResetValue('1655120964', oldServer)).toMatchObject({ resetAt: NOW + 84_000 });
  });

  test('an Anthropic reset one second before Date is now, not in the past', () => {
    const server: Clock = { now: NOW, serverDate: Date.UTC(2025, 7, 21, 12, 41, 0), serverDateSlackMs: 0 };
    expect(classifyResetValue('2025-08-21T12:40:59Z', server)).toMatchObject({ resetAt: NOW });
  });
});

describe('lists of resets', () => {
  test('positions line up, unreadable members are undefined', () => {
    const list = classifyResetList('1, soon, 3', clock);
    expect(list.map((reading) => reading?.resetAt)).toEqual([NOW + 1000, undefined, NOW + 3000]);
  });
  test('latestReset picks the latest of duplicates, HTTP-dates included', () => {
    expect(latestReset('10, 30, 20', clock)?.resetAt).toBe(NOW + 30_000);
    expect(latestReset('Wed, 15 Jan 2025 12:01:00 GMT, Wed, 15 Jan 2025 12:02:00 GMT', clock)?.resetAt).toBe(NOW + 120_000);
    expect(latestReset(undefined, clock)).toBeUndefined();
    expect(latestReset('garbage, more garbage', clock)).toBeUndefined();
  });
});
