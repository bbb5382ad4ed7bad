// Pasted errors arrive escaped once or twice (JSON inside JSON inside a Terraform log), HTML-encoded (portal copies),
// coloured (terminals) and wrapped at random widths. The signals are written against one canonical form; every
// canonical character remembers the span of the pasted text it came from, so the evidence we report is the exact
// substring the engineer pasted, never our rewrite of it.

export interface NormalisedText {
  /** The canonical text: escapes decoded, entities decoded, whitespace runs collapsed to one space. */
  text: string;
  /** starts[i] / ends[i]: the span of the raw input that canonical character i came from. */
  starts: number[];
  ends: number[];
}

// Terminal colour codes: ESC [ … letter. Built from a string so the escape character is explicit.
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;?]*[A-Za-z]", "y");
const HTML_ENTITY = /&(#39|#x27|#34|quot|amp|lt|gt|apos);/y;
const ENTITY_CHAR: Record<string, string> = {
  "#39": "'",
  "#x27": "'",
  "#34": '"',
  quot: '"',
  amp: "&",
  lt: "<",
  gt: ">",
  apos: "'",
};
const TYPOGRAPHIC: Record<string, string> = { "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"' };
const ESCAPED_CHAR: Record<string, string> = { r: " ", n: " ", t: " ", '"': '"', "'": "'", "/": "/" };

export function normalise(raw: string): NormalisedText {
  const out: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];

  const emit = (char: string, start: number, end: number): void => {
    const isSpace = /\s/.test(char);
    const last = out.length - 1;
    if (isSpace && last >= 0 && out[last] === " ") {
      ends[last] = end; // extend the previous space over this one
      return;
    }
    out.push(isSpace ? " " : char);
    starts.push(start);
    ends.push(end);
  };

  let i = 0;
  while (i < raw.length) {
    ANSI.lastIndex = i;
    const ansi = ANSI.exec(raw);
    if (ansi) {
      i += ansi[0].length;
      continue;
    }
    const char = raw[i] as string;
    if (char === "\\") {
      // A run of backslashes then an escape letter: one level of escaping or several, the meaning is the same.
      let j = i;
      while (raw[j] === "\\") j++;
      const next = raw[j];
      if (next !== undefined && next in ESCAPED_CHAR) {
        emit(ESCAPED_CHAR[next] as string, i, j + 1);
        i = j + 1;
        continue;
      }
      const hex = next === "u" ? raw.slice(j + 1, j + 5) : "";
      if (/^[0-9a-fA-F]{4}$/.test(hex)) {
        emit(String.fromCharCode(parseInt(hex, 16)), i, j + 5);
        i = j + 5;
        continue;
      }
      emit(char, i, i + 1);
      i += 1;
      continue;
    }
    if (char === "&") {
      HTML_ENTITY.lastIndex = i;
      const entity = HTML_ENTITY.exec(raw);
      if (entity) {
        emit(ENTITY_CHAR[entity[1] as string] as string, i, i + entity[0].length);
        i += entity[0].length;
        continue;
      }
    }
    emit(TYPOGRAPHIC[char] ?? char, i, i + 1);
    i += 1;
  }
  return { text: out.join(""), starts, ends };
}

/** The raw substring behind canonical characters [from, to). */
export function rawSpan(raw: string, normalised: NormalisedText, from: number, to: number): string {
  const start = normalised.starts[from];
  const end = normalised.ends[to - 1];
  if (start === undefined || end === undefined || to <= from) return "";
  return raw.slice(start, end);
}
