/**
 * Name normalisation and trigrams for search over encrypted names. The trigrams follow
 * pg_trgm's rules (each word padded with two spaces in front and one behind, lower case,
 * alphanumerics only), so a misspelt name still shares most of its trigrams with the right one.
 * Accents are folded (NFKD, combining marks removed): "José" and "Jose" match.
 */
export function normaliseName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The distinct trigrams of a text, pg_trgm style, in a stable order. */
export function trigramsOf(text: string): string[] {
  const trigrams = new Set<string>();
  for (const word of normaliseName(text).split(' ')) {
    if (!word) continue;
    const padded = `  ${word} `;
    const chars = [...padded];
    for (let i = 0; i + 3 <= chars.length; i++) trigrams.add(chars.slice(i, i + 3).join(''));
  }
  return [...trigrams].sort();
}

/** pg_trgm's default similarity threshold (pg_trgm.similarity_threshold): below it, no match. */
export const SIMILARITY_THRESHOLD = 0.3;

/**
 * How `name` matches `query`, on plaintext after decryption, as search_clients() did on the
 * plaintext columns: whether the normalised query is a substring of the normalised name, and
 * the trigram similarity (shared trigrams over all trigrams of both, pg_trgm's similarity()).
 * A name matches when it contains the query or is at least SIMILARITY_THRESHOLD similar.
 */
export function nameMatch(name: string, query: string): { matches: boolean; similarity: number } {
  const normalisedQuery = normaliseName(query);
  if (!normalisedQuery) return { matches: false, similarity: 0 };
  const a = new Set(trigramsOf(name));
  const b = new Set(trigramsOf(query));
  let shared = 0;
  for (const trigram of b) if (a.has(trigram)) shared++;
  const similarity = shared / (a.size + b.size - shared || 1);
  const substring = normaliseName(name).includes(normalisedQuery);
  return { matches: substring || similarity >= SIMILARITY_THRESHOLD, similarity };
}
