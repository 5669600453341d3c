/**
 * Which language a short utterance or text is in, from its function words: what a caller says to
 * a receptionist ("Hola, quisiera una cita para el martes") is short, everyday speech, which
 * common words tell apart well. Unsure answers are null: a wrong switch mid-call costs more than
 * a turn's delay, so a lone "sí" or "no" decides nothing.
 */

const WORDS: Record<string, string> = {
  en: "the i you to and is it my for do have can want need would like please yes hello hi thank thanks what when how this that appointment book with on at are i'm don't i'd it's what's tomorrow today morning afternoon there your could about name",
  es: 'el la los las un una unos y es está estoy son de que en por para con mi su yo usted ustedes quiero quisiera necesito tengo tiene tienen puedo puede hola gracias sí favor cita mañana hoy tarde buenos buenas días hablo habla español qué cómo cuándo dónde cuánto cuesta también pero muy bien del al lo le hay llamo perfecto nombre gustaría reservar algo',
  fr: "le la les une et est je vous nous de du des que qui pour avec pas oui bonjour merci rendez voudrais suis ai mon ma c'est en ce j'ai",
  pt: 'o os as um uma e é está eu você de do da que para com não sim obrigado obrigada olá bom dia quero gostaria marcar consulta em no na tenho',
  de: 'der die das und ist ich sie wir nicht ja nein bitte danke guten tag hallo einen termin mit für ein eine möchte haben',
  it: 'il lo la gli le e è sono io lei di che per con non sì grazie buongiorno ciao vorrei appuntamento un una',
};

const LEXICON: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [language, words] of Object.entries(WORDS))
    for (const word of words.split(' ')) map.set(word, [...(map.get(word) ?? []), language]);
  return map;
})();

/** Languages the detector can recognise; others are never detected (a caller's turn in them gives null). */
export const DETECTABLE_LANGUAGES: readonly string[] = Object.keys(WORDS);

/** Inverted question and exclamation marks and ñ are Spanish's alone: each counts as much as a word. */
const SPANISH_MARKS = /[¿¡ñ]/g;
const MIN_SCORE = 2;

export interface DetectedLanguage {
  language: string;
  /** Function words (and marks) of that language found. */
  score: number;
}

export function detectLanguage(text: string): DetectedLanguage | null {
  const scores = new Map<string, number>();
  const add = (language: string, by: number) => scores.set(language, (scores.get(language) ?? 0) + by);
  const lower = text.toLocaleLowerCase();
  for (const token of lower.split(/[^\p{L}']+/u)) {
    const word = token.replace(/^'+|'+$/g, '');
    for (const language of LEXICON.get(word) ?? []) add(language, 1);
  }
  const marks = lower.match(SPANISH_MARKS)?.length ?? 0;
  if (marks > 0) add('es', marks);
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first || first[1] < MIN_SCORE) return null;
  // A clear lead, not a tie between neighbours (Spanish and Portuguese share many words).
  if (second && first[1] < second[1] * 2) return null;
  return { language: first[0], score: first[1] };
}
