// Before notes leave the phone: does the text look like it identifies someone?
// A warning only (the facilitator confirms or edits); nothing is blocked or sent anywhere.

import { asciiDigits } from './outbox.js';

// Honorifics before a capitalised word ("Mrs Sharma", "smt. Gurung"), either case for the first letter.
const LATIN_HONORIFICS = ['Mrs', 'Mr', 'Ms', 'Miss', 'Dr', 'Smt', 'Shrimati', 'Sushri', 'Kumari',
  'Bibi', 'Begum', 'Sister', 'Didi', 'Aunty', 'Auntie', 'Madam', 'Sahiba', 'Baji'];
const LATIN_BEFORE = new RegExp(`\\b(?:${LATIN_HONORIFICS
  .map((word) => `[${word[0]}${word[0].toLowerCase()}]${word.slice(1)}`).join('|')})\\.?\\s+[A-Z][a-z]+`, 'g');
// A capitalised word before a name ending ("Sita Devi", "Amina Bibi").
const LATIN_AFTER = /\b[A-Z][a-z]+\s+(?:Devi|Kumari|Maya|Bibi|Begum|Khatun|Khatoon|Bano|Sahiba|Didi|Ji|Baji)\b/g;
const DEVA = '\\u0900-\\u097F';
const DEVA_BEFORE = new RegExp(`(?:श्रीमती|सुश्री|श्री)\\s*[${DEVA}]{2,}`, 'g');
const DEVA_AFTER = new RegExp(`([${DEVA}]{2,})(\\s*)(?:जी|दिदी|दिदि|देवी|कुमारी|बहिनी)(?![${DEVA}])`, 'g');
// Words before दिदी/बहिनी that make it "all the sisters", not a name.
const DEVA_STOP = new Set(['सबै', 'ती', 'यी', 'ति', 'उहाँ', 'हाम्रा', 'हाम्री', 'धेरै', 'केही', 'अरू',
  'अन्य', 'दुई', 'तीन', 'चार', 'पाँच', 'नयाँ', 'पुराना', 'ठूली', 'सानी', 'एक']);
const ARAB = '\\u0600-\\u06FF';
const URDU_BEFORE = new RegExp(`(?:محترمہ|مسز|بیگم)\\s+[${ARAB}]{2,}`, 'g');
const URDU_AFTER = new RegExp(`([${ARAB}]{2,})\\s+(?:بی\\s?بی|بیبی|صاحبہ|بیگم|باجی)(?![${ARAB}])`, 'g');
const URDU_STOP = new Set(['سب', 'یہ', 'وہ', 'کچھ', 'ان', 'ہماری', 'ہمارے', 'دو', 'تین', 'چار',
  'بہت', 'دوسری', 'کئی', 'ایک']);
const DATES = /\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b/g;
const DIGIT_RUN = /\+?\d(?:[\s\-.()]{0,2}\d){6,}/g;
const MONEY_BEFORE = /(?:rs\.?|npr|pkr|inr|usd|sar|aed|qar|myr|रु\.?|रू\.?|₨|\$)\s*$/i;
const MONEY_AFTER = /^\s*(?:rs\b|rupees?|रुपैयाँ|रुपियाँ|रूपैयाँ|روپے|dollars?|riyals?|ringgit|दिराम)/i;

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
    const digits = match[0].replace(/\D/g, '').length;
    const before = ascii.slice(Math.max(0, match.index - 8), match.index);
    const after = ascii.slice(match.index + match[0].length, match.index + match[0].length + 12);
    if (digits >= 7 && !MONEY_BEFORE.test(before) && !MONEY_AFTER.test(after)) {
      phones.push(text.slice(match.index, match.index + match[0].length).trim());
    }
  }
  for (const match of text.matchAll(LATIN_BEFORE)) names.push(match[0]);
  for (const match of text.matchAll(LATIN_AFTER)) names.push(match[0]);
  for (const match of text.matchAll(DEVA_BEFORE)) names.push(match[0]);
  for (const match of text.matchAll(DEVA_AFTER)) {
    if (!(match[2] && DEVA_STOP.has(match[1]))) names.push(match[0]);
  }
  for (const match of text.matchAll(URDU_BEFORE)) names.push(match[0]);
  for (const match of text.matchAll(URDU_AFTER)) {
    if (!URDU_STOP.has(match[1])) names.push(match[0]);
  }
  return { phones: [...new Set(phones)], names: [...new Set(names)] };
}
