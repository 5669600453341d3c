/**
 * What a staff password must be: at least MIN_PASSWORD_LENGTH characters (NIST SP 800-63B asks for
 * at least 8; patient data earns a little more), at most MAX_PASSWORD_LENGTH, and not one of the
 * passwords attackers try first. The check compares case-insensitively, and also the password with
 * its trailing digits and symbols removed, so `Password2026!` counts as `password`.
 */

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

/** Words that head every guessing list, and words about this product a guesser would try. */
const COMMON_STEMS = new Set([
  'password', 'passw0rd', 'p@ssword', 'p@ssw0rd', 'qwerty', 'qwertyuiop', 'asdfgh', 'asdfghjkl', 'zxcvbnm', 'letmein',
  'welcome', 'iloveyou', 'admin', 'administrator', 'monkey', 'dragon', 'sunshine', 'princess', 'football', 'baseball',
  'basketball', 'soccer', 'master', 'shadow', 'superman', 'batman', 'starwars', 'trustno1', 'michael', 'jennifer',
  'jordan', 'hunter', 'charlie', 'freedom', 'whatever', 'computer', 'internet', 'changeme', 'secret', 'default',
  'login', 'access', 'summer', 'winter', 'spring', 'autumn', 'flower', 'cookie', 'chocolate', 'butterfly',
  'abc', 'abcdef', 'abcdefgh', 'abcdefghij', 'qazwsx', 'qazwsxedc', '1qaz2wsx', '1qaz2wsx3edc', 'zaq12wsx', 'q1w2e3r4',
  'q1w2e3r4t5', '1q2w3e4r', '1q2w3e4r5t', 'a1b2c3d4', 'a1b2c3d4e5', 'medspa', 'spa', 'receptionist', 'frontdesk',
  'botox', 'beauty', 'skincare', 'willowoak', 'welcome1', 'letmein1', 'password1', 'iloveyou1',
]);

/** Whole passwords from the top of published breach lists that survive the stem rule. */
const COMMON_WHOLE = new Set([
  '1234567890', '0987654321', '1111111111', '0000000000', '1122334455', '1234512345', '1234554321', '123123123123',
  '12345678910', '123456789a', '987654321a', 'qwerty12345', 'qwerty123456', '12345qwert', '123qweasdzxc', 'qazwsxedcrfv',
  '1q2w3e4r5t6y', 'q1w2e3r4t5y6', 'zaq12wsxcde3', 'asdfghjkl;', 'qwertyuiop[]', '!@#$%^&*()', 'aaaaaaaaaa',
]);

export type PasswordProblem = 'TOO_SHORT' | 'TOO_LONG' | 'TOO_COMMON';

export function passwordProblem(password: string, context: { email?: string } = {}): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return 'TOO_SHORT';
  if (length > MAX_PASSWORD_LENGTH) return 'TOO_LONG';
  const lower = password.toLowerCase();
  const stem = lower.replace(/[\d\W_]+$/u, '');
  if (COMMON_WHOLE.has(lower) || COMMON_STEMS.has(lower) || COMMON_STEMS.has(stem)) return 'TOO_COMMON';
  // One character repeated, or the person's own email (or its name part) with decorations.
  if (new Set(lower).size <= 2) return 'TOO_COMMON';
  const local = context.email?.toLowerCase().split('@')[0];
  if (context.email && (lower === context.email.toLowerCase() || (local && local.length >= 3 && stem === local))) return 'TOO_COMMON';
  return undefined;
}

export function describePasswordProblem(problem: PasswordProblem): string {
  switch (problem) {
    case 'TOO_SHORT':
      return `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
    case 'TOO_LONG':
      return `The password must be at most ${MAX_PASSWORD_LENGTH} characters.`;
    case 'TOO_COMMON':
      return 'That password is one of the first that attackers try; choose another (a few unrelated words work well).';
  }
}
