/**
 * Where each statement of a policy document lies in its text, as the policy simulator reports them
 * (MatchedStatements' StartPosition / EndPosition): lines from 1, columns from 1, each one past its brace (the
 * statement's `{`, its `}`), as a parser reports where it stands once it has read the brace. From an answer recorded
 * against AWS (LocalStack's test_simulate_principle_policy snapshot: a one-line document whose statement runs from
 * the `{` in column 40 to the `}` in column 112 is reported from Column 41 to Column 113); UNCONFIRMED beyond it.
 */
export interface Position {
  Line: number;
  Column: number;
}

export interface Span {
  StartPosition: Position;
  EndPosition: Position;
}

/**
 * The spans of the Statement list's elements (or of the one Statement object) of a document the policy parser
 * accepted, by statement index. Linear in the text; an unexpected shape gives no spans rather than an error.
 */
export function statementSpans(text: string): Span[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const at = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { Line: lo + 1, Column: offset - lineStarts[lo]! + 1 };
  };

  const spans: Span[] = [];
  let depth = 0;
  let lastString = '';
  let statementDepth = -1; // the depth of the Statement value's container, once found
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      lastString = text.slice(i + 1, j);
      i = j;
      continue;
    }
    if (c === ':' && depth === 1 && lastString === 'Statement' && statementDepth < 0) {
      let j = i + 1;
      while (/\s/.test(text[j] ?? '')) j++;
      if (text[j] === '[') statementDepth = 2;
      else if (text[j] === '{') statementDepth = 1;
      continue;
    }
    if (c === '{' || c === '[') {
      if (statementDepth >= 0 && depth === statementDepth && c === '{' && start < 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (start >= 0 && depth === statementDepth && c === '}') {
        spans.push({ StartPosition: at(start + 1), EndPosition: at(i + 1) });
        start = -1;
        if (statementDepth === 1) statementDepth = -2;
      }
      if (statementDepth === 2 && depth === 1) statementDepth = -2; // the list closed
    }
  }
  return spans;
}
