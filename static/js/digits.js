// Digits in every language's script: written in the page's language, read from any.
//
// The tables come from toolkit/languages.py through the generated record-rules.js, so the phone
// writes and reads digits exactly as the server does (native_digits, ascii_digits).

import { ASCII_DIGITS, DIGITS } from './record-rules.js';

/** Devanagari, Urdu and Arabic-Indic digits to 0-9, one character for one (as ascii_digits). */
export function asciiDigits(text) {
  return String(text).replace(/\p{Nd}/gu, (digit) => ASCII_DIGITS[digit] ?? digit);
}

/** 0-9 in the digits of `lang`, the page's language by default (as native_digits). */
export function nativeDigits(text, lang = document.documentElement.lang) {
  const digits = DIGITS[lang];
  if (!digits) return String(text);
  return String(text).replace(/[0-9]/g, (digit) => digits[Number(digit)]);
}
