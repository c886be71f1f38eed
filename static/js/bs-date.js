// Bikram Sambat <-> Gregorian dates, offline, from the month-length table build.py writes
// (static/js/bs-calendar.js, generated from the nepali-datetime library the server uses).

import {
  BS_EPOCH_AD, BS_FIRST_YEAR, BS_MONTH_DAYS, BS_MONTH_NAMES,
} from './bs-calendar.js';

export { BS_MONTH_NAMES };

const DAY_MS = 86400000;
const YEAR_START = [0]; // days from the BS epoch to 1 Baisakh of each year in the table
for (const months of BS_MONTH_DAYS) {
  YEAR_START.push(YEAR_START[YEAR_START.length - 1] + months.reduce((a, b) => a + b, 0));
}

function isoToDays(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

function daysToIso(days) {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** A Gregorian ISO date as {year, month, day} in Bikram Sambat, or null outside the table. */
export function adToBs(iso) {
  let n = isoToDays(iso) - isoToDays(BS_EPOCH_AD);
  if (!(n >= 0) || n >= YEAR_START[YEAR_START.length - 1]) return null;
  let index = 0;
  while (YEAR_START[index + 1] <= n) index += 1;
  n -= YEAR_START[index];
  const months = BS_MONTH_DAYS[index];
  let month = 0;
  while (n >= months[month]) {
    n -= months[month];
    month += 1;
  }
  return { year: BS_FIRST_YEAR + index, month: month + 1, day: n + 1 };
}

/** A Bikram Sambat date as a Gregorian ISO date, or null when no such day exists. */
export function bsToAd(year, month, day) {
  const index = year - BS_FIRST_YEAR;
  if (!(index >= 0 && index < BS_MONTH_DAYS.length) || !(month >= 1 && month <= 12)) return null;
  const months = BS_MONTH_DAYS[index];
  if (!(day >= 1 && day <= months[month - 1])) return null;
  let n = YEAR_START[index] + day - 1;
  for (let m = 0; m < month - 1; m += 1) n += months[m];
  return daysToIso(isoToDays(BS_EPOCH_AD) + n);
}
