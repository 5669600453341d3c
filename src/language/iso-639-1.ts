/** ISO 639-1: the two-letter language codes the realtime model's transcription takes, all 183 in use. */
const ISO_639_1_CODES = new Set(
  (
    'aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu ' +
    'fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km ' +
    'kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om ' +
    'or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ' +
    'ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'
  ).split(' '),
);

export function isIso6391(code: string): boolean {
  return ISO_639_1_CODES.has(code);
}

/** A language's name in English (for the model's instructions) and in itself (for the caller's ears). */
export function languageName(code: string, inLanguage: 'en' | 'self' = 'en'): string {
  try {
    const name = new Intl.DisplayNames([inLanguage === 'en' ? 'en' : code], { type: 'language' }).of(code);
    if (!name || name === code) return code;
    return inLanguage === 'self' ? name.charAt(0).toLocaleUpperCase(code) + name.slice(1) : name;
  } catch {
    return code;
  }
}
