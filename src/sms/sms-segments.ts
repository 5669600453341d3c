/**
 * How many SMS segments a text takes, for when Twilio did not tell us (its NumSegments is the
 * truth when present). GSM-7 texts fit 160 characters in one segment and 153 per segment when
 * split; anything else is sent as UCS-2: 70, or 67 per segment.
 */

// The GSM 03.38 basic set, plus the extension characters that cost two septets.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';

export function estimateSmsSegments(text: string): number {
  if (text.length === 0) return 1;
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (GSM_BASIC.includes(char)) septets += 1;
    else if (GSM_EXTENDED.includes(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  // UCS-2 counts UTF-16 code units: an emoji takes two.
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}
