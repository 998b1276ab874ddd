/** Recognising well-known components by the names their charts give them. */

/**
 * Whether `name` holds one of `words` as whole dash-separated words, in any case: `logging-fluent-bit`
 * and `falco-x7k2p` hold `fluent-bit` and `falco`; `fluent-bitter` and `vectorize` hold neither.
 * Names are chosen by whoever creates the object, so this recognises components, it never clears them.
 */
export function hasNameWord(name: string, words: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return words.some((w) => {
    const word = w.trim().toLowerCase();
    if (word === '') return false;
    for (let i = lower.indexOf(word); i >= 0; i = lower.indexOf(word, i + 1)) {
      const end = i + word.length;
      if ((i === 0 || lower[i - 1] === '-') && (end === lower.length || lower[end] === '-')) return true;
    }
    return false;
  });
}
