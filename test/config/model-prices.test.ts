import t from 'tap';
import {
  realtimeCostBreakdown,
  realtimeCostUsd,
  realtimePrice,
  textCostUsd,
  textModelPrice,
  transcriptionCostUsd,
  transcriptionPrice,
} from '../../src/config/model-prices.js';
import { estimateSmsSegments } from '../../src/sms/sms-segments.js';

const usage = { inputTextTokens: 1_000, inputAudioTokens: 200, cachedTextTokens: 700, cachedAudioTokens: 100, outputTextTokens: 30, outputAudioTokens: 120 };

t.test('a realtime bill splits into audio in, audio out, cached input and text, and adds up', async (t) => {
  const parts = realtimeCostBreakdown(realtimePrice('gpt-realtime').price, usage);
  t.equal(parts.audioIn.toFixed(6), '0.003200', '(200 - 100) × $32 per 1M');
  t.equal(parts.audioOut.toFixed(6), '0.007680', '120 × $64');
  t.equal(parts.cachedInput.toFixed(6), '0.000320', '(700 + 100) × $0.40');
  t.equal(parts.text.toFixed(6), '0.001680', '(1000 - 700) × $4 + 30 × $16');
  t.equal(realtimeCostUsd(realtimePrice('gpt-realtime').price, usage).toFixed(6), '0.012880');
  t.same(realtimePrice('gpt-realtime-mini').price.audioOut, 20);
  t.equal(realtimePrice('some-future-model').known, false, 'an unknown model says so');
});

t.test('text models: cached input is part of the input, reasoning part of the output; snapshots cost what their model does', async (t) => {
  const mini = textModelPrice('gpt-5-mini').price;
  t.equal(textCostUsd(mini, { inputTokens: 1_200, cachedInputTokens: 200, outputTokens: 150 }).toFixed(6), '0.000555');
  t.same(textModelPrice('gpt-4.1-mini-2025-04-14'), { price: textModelPrice('gpt-4.1-mini').price, known: true });
  t.equal(textModelPrice('unheard-of').known, false);
});

t.test('transcription is billed by tokens for the gpt-4o models and by the minute for whisper', async (t) => {
  const turn = { inputAudioTokens: 48, inputTextTokens: 4, outputTextTokens: 14, seconds: 0 };
  t.equal(transcriptionCostUsd(transcriptionPrice('gpt-4o-mini-transcribe').price, turn).toFixed(6), '0.000219');
  t.equal(transcriptionCostUsd(transcriptionPrice('gpt-4o-transcribe').price, turn).toFixed(6), '0.000438');
  t.equal(transcriptionCostUsd(transcriptionPrice('whisper-1').price, { ...turn, seconds: 90 }).toFixed(6), '0.009000', '1.5 min × $0.006');
});

t.test('SMS segments when Twilio did not count them: GSM-7 160/153, UCS-2 70/67', async (t) => {
  t.equal(estimateSmsSegments('a'.repeat(160)), 1);
  t.equal(estimateSmsSegments('a'.repeat(161)), 2);
  t.equal(estimateSmsSegments('a'.repeat(306)), 2);
  t.equal(estimateSmsSegments('a'.repeat(307)), 3);
  t.equal(estimateSmsSegments('€'.repeat(80)), 1, 'an extension character takes two septets');
  t.equal(estimateSmsSegments('€'.repeat(81)), 2);
  t.equal(estimateSmsSegments(`See you soon ${'😊'}`), 1, 'an emoji makes it UCS-2');
  t.equal(estimateSmsSegments('é'.repeat(70) + 'ü'), 1, 'accents in the GSM set stay GSM-7');
  t.equal(estimateSmsSegments('ç'.repeat(71)), 2, 'a lower-case ç is not in GSM-7');
});
