// Wrapping for what a person must read whole: resource ids, URLs and `az` commands. The screens wrap text themselves
// (instead of leaving it to Ink) so they know how many rows a block takes and can budget an 80×24 screen.

/** Columns a string takes; everything the TUI prints is one column per code point. */
export function widthOf(text: string): number {
  return [...text].length;
}

/**
 * Splits a word longer than `width` into pieces that fit, breaking after a `/` or blank, else a `-` (resource ids,
 * quoted arguments, GUIDs) when one falls in the second half of the piece, so `…/vaults/` ends a row rather than `…/vau`.
 */
export function breakWord(word: string, width: number): string[] {
  const size = Math.max(1, width);
  const pieces: string[] = [];
  let rest = [...word];
  while (rest.length > size) {
    const head = rest.slice(0, size);
    // Path and word boundaries read best; a dash inside a name or GUID is the next best place.
    const after = (marks: string) => {
      for (let i = size - 1; i >= Math.floor(size / 2); i--) {
        const char = head[i];
        if (char !== undefined && marks.includes(char)) return i + 1;
      }
      return undefined;
    };
    const cut = after("/ ") ?? after("-") ?? size;
    pieces.push(rest.slice(0, cut).join(""));
    rest = rest.slice(cut);
  }
  pieces.push(rest.join(""));
  return pieces;
}

/** Word wrap to `width` columns; words longer than a row are broken (see breakWord). Never returns no rows. */
export function wrapText(text: string, width: number): string[] {
  const size = Math.max(1, width);
  const rows: string[] = [];
  for (const paragraph of text.split("\n")) {
    let row = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const joined = row ? `${row} ${word}` : word;
      if (widthOf(joined) <= size) {
        row = joined;
        continue;
      }
      if (row) rows.push(row);
      const pieces = breakWord(word, size);
      rows.push(...pieces.slice(0, -1));
      row = pieces.at(-1) ?? "";
    }
    rows.push(row);
  }
  return rows;
}

/** Shell words of a command: split on blanks outside quotes, quotes kept (`--role "Key Vault …"` is one word). */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = "";
  let quote: string | undefined;
  for (const char of command) {
    if (quote) {
      word += char;
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      word += char;
    } else if (/\s/.test(char)) {
      if (word) words.push(word);
      word = "";
    } else {
      word += char;
    }
  }
  if (word) words.push(word);
  return words;
}

const CONTINUE = " \\";
const INDENT = "    ";

/**
 * A command wrapped the way a person would type it over several lines: breaks fall between arguments, every row but
 * the last ends in ` \` and the next is indented, so the rows read (and paste into a shell) as one command. A single
 * word wider than a row (a long resource id) is split across rows: those rows read right but do not paste as one.
 */
export function wrapCommand(command: string, width: number, prefix = "$ "): string[] {
  const size = Math.max(widthOf(prefix) + widthOf(CONTINUE) + 8, width);
  const room = size - widthOf(CONTINUE);
  const rows: string[] = [];
  let row = prefix;
  let empty = true;
  const words = shellWords(command);
  words.forEach((word, index) => {
    const joined = empty ? row + word : `${row} ${word}`;
    // The last word needs no continuation mark after it, so it may use the whole row.
    if (widthOf(joined) <= (index === words.length - 1 ? size : room)) {
      row = joined;
      empty = false;
      return;
    }
    const fitsAlone = widthOf(INDENT + word) <= room;
    // A word wider than any row is split anyway: start it here when a useful piece still fits.
    if (!fitsAlone && !empty && room - widthOf(row) - 1 >= 12) {
      row += " ";
    } else if (!empty) {
      rows.push(row + CONTINUE);
      row = INDENT;
    }
    const [head = "", ...tail] = breakWord(word, room - widthOf(row));
    const pieces = tail.length > 0 ? breakWord(tail.join(""), room - widthOf(INDENT)) : [];
    if (pieces.length === 0) {
      row += head;
    } else {
      rows.push(row + head, ...pieces.slice(0, -1).map((piece) => INDENT + piece));
      row = INDENT + (pieces.at(-1) ?? "");
    }
    empty = false;
  });
  rows.push(row);
  return rows;
}
