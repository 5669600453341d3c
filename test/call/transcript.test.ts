import t from 'tap';
import { cutAtWord, TranscriptAssembler, type FinishedTurn } from '../../src/call/transcript.js';

function assembler() {
  let seq = 0;
  const turns: FinishedTurn[] = [];
  const a = new TranscriptAssembler(() => ++seq, (turn) => turns.push(turn), () => new Date(0));
  return { a, turns };
}

t.test('a late caller transcript keeps its place before the reply', async (t) => {
  const { a, turns } = assembler();
  a.callerTurn('c1');
  a.assistantTurn('a1');
  a.assistantText('a1', 'We open at nine.');
  a.assistantPlayed('a1');
  a.callerText('c1', 'When do you open?');
  t.same(
    turns.map((x) => [x.seq, x.role, x.text]),
    [
      [2, 'assistant', 'We open at nine.'],
      [1, 'customer', 'When do you open?'],
    ],
  );
});

t.test('a caller turn is placed where the caller started talking, not where the model committed it', async (t) => {
  let now = 1_000;
  const turns: FinishedTurn[] = [];
  let seq = 0;
  const a = new TranscriptAssembler(() => ++seq, (turn) => turns.push(turn), () => new Date(now));
  a.callerStartedSpeaking('c1');
  now = 2_400;
  a.callerStartedSpeaking('c1');
  a.callerTurn('c1');
  a.callerText('c1', 'Do you have a facial on Tuesday?');
  a.callerStartedSpeaking('never-committed');
  a.callerTurn('c2');
  a.callerText('c2', 'Ten, please.');
  t.same(
    turns.map((x) => [x.text, x.spokenAt.getTime()]),
    [
      ['Do you have a facial on Tuesday?', 1_000],
      ['Ten, please.', 2_400],
    ],
    'the first speech start counts; a turn whose speech start was not heard is placed when committed',
  );
});

t.test('a reply is saved only once the caller has heard it', async (t) => {
  const { a, turns } = assembler();
  a.assistantTurn('a1');
  a.assistantText('a1', 'Hello there.');
  t.equal(turns.length, 0);
  a.assistantPlayed('a1');
  t.equal(turns.length, 1);
  t.equal(turns[0]?.interrupted, false);
});

t.test('an interrupted reply keeps the words that were heard', async (t) => {
  const { a, turns } = assembler();
  a.assistantTurn('a1');
  a.assistantText('a1', 'one two three four five six seven eight nine ten');
  a.interrupted('a1', 0.3);
  t.same(turns.map((x) => [x.text, x.interrupted]), [['one two three…', true]]);
});

t.test('a reply the caller heard none of is not saved', async (t) => {
  const { a, turns } = assembler();
  a.assistantTurn('a1');
  a.interrupted('a1', 0);
  a.assistantText('a1', 'Never heard');
  t.same(turns, []);
});

t.test('at the end, a caller turn without a transcript is still recorded', async (t) => {
  const { a, turns } = assembler();
  a.callerTurn('c1');
  a.flush();
  t.same(turns.map((x) => [x.role, x.text]), [['customer', '(caller speech could not be transcribed)']]);
});

t.test('cutAtWord keeps whole words', async (t) => {
  t.equal(cutAtWord('a b c d', 1), 'a b c d');
  t.equal(cutAtWord('a b c d', 0.5), 'a b…');
  t.equal(cutAtWord('a b c d', 0.1), '');
});
