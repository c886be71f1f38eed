// Before notes leave the phone: does the text look like it identifies someone?
// A warning only (the facilitator confirms or edits); nothing is blocked or sent anywhere.
//
// The rules are the word lists of toolkit/data/identifying.json, which the log page carries
// (DATA.identifying); toolkit/identifying.py builds the very same patterns on the server, which flags
// what was let through for the coordinator's review. Change the JSON, never a pattern here alone.

import { asciiDigits } from './outbox.js';

const PAGE_RULES = (() => {
  try {
    return JSON.parse(document.getElementById('logbook-data').textContent).identifying;
  } catch {
    return null;
  }
})();

const DATES = /(?<![0-9])[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?![0-9])|(?<![0-9])[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}(?![0-9])/g;
const DIGIT_RUN = /\+?[0-9](?:[\s\-.()]{0,2}[0-9]){6,}/g;

function escape(word) {
  return word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'); // no "\\-": invalid in a /u pattern
}

/** Longest first, so "श्रीमती" wins over "श्री" (toolkit/identifying.py sorts the same way). */
function alternatives(words) {
  return [...words].sort((a, b) => b.length - a.length).map(escape).join('|');
}

const compiledCache = new WeakMap();

function compile(rules) {
  if (compiledCache.has(rules)) return compiledCache.get(rules);
  const { phone, latin, scripts } = rules;
  const honorifics = [...latin.honorifics].sort((a, b) => b.length - a.length)
    .map((word) => `[${word[0]}${word[0].toLowerCase()}]${escape(word.slice(1))}`).join('|');
  const names = [
    [new RegExp(`(?<![A-Za-z])(?:${honorifics})\\.?\\s+[A-Z][a-z]+`, 'g'), null],
    [new RegExp(`(?<![A-Za-z])[A-Z][a-z]+\\s+(?:${alternatives(latin.after)})(?![A-Za-z])`, 'g'), null],
  ];
  for (const script of scripts) {
    const L = script.letters;
    const word = `[${L}]{2,}`;
    const markers = alternatives(script.markers);
    const stop = [new Set(script.stop), script.stop_suffixes];
    names.push(
      [new RegExp(`(?<![${L}])(?:${alternatives(script.honorifics)})\\s+${word}(?![${L}])`, 'gu'), null],
      [new RegExp(`(?<![${L}])(${word})\\s+(?:${alternatives(script.kinship)})(?:\\s?(?:${markers}))?(?![${L}])`, 'gu'), stop],
      [new RegExp(`(?<![${L}])(${word})\\s+(?:${alternatives(script.surnames)})(?:\\s?(?:${markers}))?(?![${L}])`, 'gu'), stop],
      [new RegExp(`(?<![${L}])([${L}]{2,}?)\\s?(?:${alternatives(script.agent)})\\s+(?:${alternatives(script.say)})(?![${L}])`, 'gu'), stop],
    );
  }
  const compiled = {
    minDigits: phone.min_digits,
    moneyBefore: new RegExp(`(?:${alternatives(phone.money_before)})\\s*$`, 'i'),
    moneyAfter: new RegExp(`^\\s*(?:${alternatives(phone.money_after)})`, 'i'),
    names,
  };
  compiledCache.set(rules, compiled);
  return compiled;
}

function stopped(word, [stopWords, suffixes]) {
  return stopWords.has(word) || suffixes.some((suffix) => word.endsWith(suffix));
}

/**
 * What in `text` looks like a phone number (7+ digits in any script) or a person's name:
 * {phones: [...], names: [...]}, as written. A warning only: she confirms or edits.
 */
export function privacyFindings(text, rules = PAGE_RULES) {
  const phones = [];
  const names = [];
  if (!text || !rules) return { phones, names };
  const { minDigits, moneyBefore, moneyAfter, names: nameRules } = compile(rules);
  // Digit sets map one character to one, so positions in `ascii` are positions in `text`.
  const ascii = asciiDigits(text).replace(DATES, (date) => ' '.repeat(date.length));
  for (const match of ascii.matchAll(DIGIT_RUN)) {
    const count = match[0].replace(/[^0-9]/g, '').length;
    const before = ascii.slice(Math.max(0, match.index - 8), match.index);
    const after = ascii.slice(match.index + match[0].length, match.index + match[0].length + 12);
    if (count >= minDigits && !moneyBefore.test(before) && !moneyAfter.test(after)) {
      phones.push(text.slice(match.index, match.index + match[0].length).trim());
    }
  }
  const taken = [];
  for (const [pattern, stop] of nameRules) {
    for (const match of text.matchAll(pattern)) {
      if (stop && stopped(match[1], stop)) continue;
      const start = match.index;
      const end = start + match[0].length;
      if (taken.some(([a, b]) => start < b && a < end)) continue;
      taken.push([start, end]);
      names.push(match[0].trim());
    }
  }
  return { phones: [...new Set(phones)], names: [...new Set(names)] };
}
