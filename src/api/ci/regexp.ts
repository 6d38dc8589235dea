/**
 * Prow's regular expressions are Go RE2; Keelson runs them as JavaScript RegExps. The common subset
 * is the same; this translates the Go-only spellings Prow configs use (a leading `(?m)`/`(?i)`/`(?s)`
 * flag group, `(?P<name>`, `\A`, `\z`, POSIX classes) and, like Go's `MatchString`, matches anywhere
 * in the text (unanchored).
 */

const posixClasses: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  digit: '0-9',
  lower: 'a-z',
  upper: 'A-Z',
  space: '\\t\\n\\v\\f\\r ',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
};

/** A Go regexp compiled for JavaScript; throws an Error whose message says why it is invalid. */
export function compileGoRegexp(source: string): RegExp {
  let body = source;
  let flags = '';
  const leading = /^\(\?([imsU]+)\)/.exec(body);
  if (leading !== null) {
    const wanted = leading[1] ?? '';
    if (wanted.includes('U'))
      throw new Error(`the ungreedy flag (?U) is not supported in ${JSON.stringify(source)}`);
    flags = [...new Set(wanted)].join('');
    body = body.slice(leading[0].length);
  }
  body = body
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, negate: string, name: string) => {
      const chars = posixClasses[name];
      if (chars === undefined) return whole;
      return negate === '' ? chars : whole;
    });
  try {
    return new RegExp(body, flags);
  } catch (error) {
    throw new Error(`error parsing regexp ${JSON.stringify(source)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
