import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration, shortHumanDuration } from './duration.ts';

const millisecond = 1;
const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;
const year = 365 * day;

describe('humanDuration', () => {
  // TestHumanDuration and TestHumanDurationBoundaries from k8s.io/apimachinery/pkg/util/duration.
  const cases: Array<[number, string]> = [
    [second, '1s'],
    [70 * second, '70s'],
    [190 * second, '3m10s'],
    [70 * minute, '70m'],
    [47 * hour, '47h'],
    [49 * hour, '2d1h'],
    [(8 * 24 + 2) * hour, '8d'],
    [367 * 24 * hour, '367d'],
    [(365 * 2 * 24 + 25) * hour, '2y1d'],
    [(365 * 8 * 24 + 2) * hour, '8y'],
    [-2 * second, '<invalid>'],
    [-2 * second + 1, '0s'],
    [0, '0s'],
    [second - millisecond, '0s'],
    [2 * minute - millisecond, '119s'],
    [2 * minute, '2m'],
    [2 * minute + second, '2m1s'],
    [10 * minute - millisecond, '9m59s'],
    [10 * minute, '10m'],
    [10 * minute + second, '10m'],
    [3 * hour - millisecond, '179m'],
    [3 * hour, '3h'],
    [3 * hour + minute, '3h1m'],
    [8 * hour - millisecond, '7h59m'],
    [8 * hour, '8h'],
    [8 * hour + 59 * minute, '8h'],
    [2 * day - millisecond, '47h'],
    [2 * day, '2d'],
    [2 * day + hour, '2d1h'],
    [8 * day - millisecond, '7d23h'],
    [8 * day, '8d'],
    [8 * day + 23 * hour, '8d'],
    [2 * year - millisecond, '729d'],
    [2 * year, '2y'],
    [2 * year + 23 * hour, '2y'],
    [2 * year + 23 * hour + 59 * minute, '2y'],
    [2 * year + day - millisecond, '2y'],
    [2 * year + day, '2y1d'],
    [3 * year, '3y'],
    [4 * year, '4y'],
    [5 * year, '5y'],
    [6 * year, '6y'],
    [7 * year, '7y'],
    [8 * year - millisecond, '7y364d'],
    [8 * year, '8y'],
    [8 * year + 364 * day, '8y'],
    [9 * year, '9y'],
    // The shapes kubectl users know.
    [5 * second, '5s'],
    [2 * minute + 3 * second, '2m3s'],
    [3 * hour + 5 * minute, '3h5m'],
    [2 * day + 4 * hour, '2d4h'],
    [400 * day, '400d'],
    [3 * year + 100 * day, '3y100d'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms is ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('shortHumanDuration', () => {
  // TestShortHumanDurationBoundaries.
  const cases: Array<[number, string]> = [
    [-2 * second, '<invalid>'],
    [-2 * second + 1, '0s'],
    [0, '0s'],
    [second - millisecond, '0s'],
    [second, '1s'],
    [2 * second - millisecond, '1s'],
    [minute - millisecond, '59s'],
    [minute, '1m'],
    [2 * minute - millisecond, '1m'],
    [hour - millisecond, '59m'],
    [hour, '1h'],
    [2 * hour - millisecond, '1h'],
    [day - millisecond, '23h'],
    [day, '1d'],
    [2 * day - millisecond, '1d'],
    [year - millisecond, '364d'],
    [year, '1y'],
    [2 * year - millisecond, '1y'],
    [2 * year, '2y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms is ${want}`, () => assert.equal(shortHumanDuration(ms), want));
  }
});
