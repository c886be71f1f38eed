// Before notes leave the phone: does the text look like it identifies someone?
// A warning only (the facilitator confirms or edits); nothing is blocked or sent anywhere.
//
// The patterns are toolkit/identifying.py's, compiled there from the word lists of
// toolkit/data/identifying.json and written into identifying-rules.js by build.py; the server runs the
// very same ones to flag what was let through for the coordinator's review. Change the JSON or
// identifying.py and run build.py, never a pattern here.

import { asciiDigits } from './digits.js';
import { IDENTIFYING } from './identifying-rules.js';

const regex = ({ source, flags }) => new RegExp(source, flags);
const DATES = regex(IDENTIFYING.dates);
const DIGIT_RUN = regex(IDENTIFYING.digit_run);
const MONEY_BEFORE = regex(IDENTIFYING.money_before); // a currency before the digits: an amount
const MONEY_AFTER = regex(IDENTIFYING.money_after);
const STOPS = IDENTIFYING.stops.map(({ words, suffixes }) => ({ words: new Set(words), suffixes }));
const NAMES = IDENTIFYING.names.map((rule) => ({ pattern: regex(rule), stop: STOPS[rule.stop] }));

/** "सबै दिदी" (all the sisters), "उनले भनिन्" (she said): words that are not a name. */
function stopped(word, { words, suffixes }) {
  return words.has(word) || suffixes.some((suffix) => word.endsWith(suffix));
}

/**
 * What in `text` looks like a phone number (7+ digits in any script) or a person's name:
 * {phones: [...], names: [...]}, as written. A warning only: she confirms or edits.
 */
export function privacyFindings(text) {
  const phones = [];
  const names = [];
  if (!text) return { phones, names };
  // Digit sets map one character to one, so positions in `ascii` are positions in `text`.
  const ascii = asciiDigits(text).replace(DATES, (date) => ' '.repeat(date.length));
  for (const match of ascii.matchAll(DIGIT_RUN)) {
    const count = match[0].replace(/[^0-9]/g, '').length;
    const before = ascii.slice(Math.max(0, match.index - 8), match.index);
    const after = ascii.slice(match.index + match[0].length, match.index + match[0].length + 12);
    if (count >= IDENTIFYING.min_digits && !MONEY_BEFORE.test(before) && !MONEY_AFTER.test(after)) {
      phones.push(text.slice(match.index, match.index + match[0].length).trim());
    }
  }
  const taken = [];
  for (const rule of NAMES) {
    for (const match of text.matchAll(rule.pattern)) {
      if (rule.stop && stopped(match[1], rule.stop)) continue;
      const start = match.index;
      const end = start + match[0].length;
      if (taken.some(([a, b]) => start < b && a < end)) continue;
      taken.push([start, end]);
      names.push(match[0].trim());
    }
  }
  return { phones: [...new Set(phones)], names: [...new Set(names)] };
}
