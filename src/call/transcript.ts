import type { MessageRole } from '../storage/schema.js';
import { wallClock } from './call-clock.js';

/**
 * Puts both sides of a call in conversation order. Turns get their place when the model creates
 * the item (a caller turn when it is committed, a reply when it starts); the text may come later,
 * e.g. a caller transcript that arrives after the reply. A reply is finished only once the caller
 * has heard all of it (or interrupted it): its transcript arrives long before its audio has played,
 * and what is saved must be what the caller heard. Each finished turn is handed on once.
 */

export interface FinishedTurn {
  seq: number;
  role: MessageRole;
  text: string;
  interrupted: boolean;
  spokenAt: Date;
}

interface Turn {
  seq: number;
  itemId: string;
  role: MessageRole;
  spokenAt: Date;
  text: string | undefined;
  /** Fraction of the reply the caller heard, when cut short. */
  heardFraction: number | undefined;
  played: boolean;
  written: boolean;
}

/** Speech starts kept for caller items not yet created (VAD can hear speech that never becomes a turn). */
const MAX_PENDING_SPEECH_STARTS = 16;

export class TranscriptAssembler {
  private readonly turns = new Map<string, Turn>();
  /**
   * When the caller started talking, by the item the speech will become: a caller turn is placed on
   * the call's time line there, not where the model committed it (after the caller stopped and VAD
   * heard the silence), so the recording's play head is on the caller's line while they talk.
   */
  private readonly speechStarts = new Map<string, Date>();

  constructor(
    private readonly nextSeq: () => number,
    private readonly onFinished: (turn: FinishedTurn) => void,
    private readonly clock: () => Date = wallClock,
  ) {}

  callerStartedSpeaking(itemId: string): void {
    if (this.turns.has(itemId) || this.speechStarts.has(itemId)) return;
    if (this.speechStarts.size >= MAX_PENDING_SPEECH_STARTS) this.speechStarts.delete(this.speechStarts.keys().next().value as string);
    this.speechStarts.set(itemId, this.clock());
  }

  callerTurn(itemId: string): void {
    this.place(itemId, 'customer');
  }

  assistantTurn(itemId: string): void {
    this.place(itemId, 'assistant');
  }

  callerText(itemId: string, text: string): void {
    this.fill(this.place(itemId, 'customer'), text);
  }

  assistantText(itemId: string, text: string): void {
    this.fill(this.place(itemId, 'assistant'), text);
  }

  /** All of the reply's audio has been heard. */
  assistantPlayed(itemId: string): void {
    const turn = this.turns.get(itemId);
    if (!turn || turn.written) return;
    turn.played = true;
    this.writeIfFinished(turn);
  }

  /** The caller cut the reply short (or hung up) after hearing `fraction` of its audio. */
  interrupted(itemId: string, fraction: number): void {
    const turn = this.turns.get(itemId);
    if (!turn || turn.written) return;
    turn.heardFraction = Math.max(0, Math.min(1, fraction));
    this.writeIfFinished(turn);
  }

  /**
   * What has been said so far, in order, as the caller heard it: for a model session restored after
   * a dropped connection. Turns whose text has not arrived are left out.
   */
  snapshot(): { seq: number; role: MessageRole; text: string }[] {
    return [...this.turns.values()]
      .filter((turn) => turn.text !== undefined)
      .map((turn) => ({ seq: turn.seq, role: turn.role, text: heardText(turn) }))
      .filter((turn) => turn.text.length > 0)
      .sort((a, b) => a.seq - b.seq);
  }

  /** End of call: turns whose text never arrived are written with what is known. */
  flush(): void {
    for (const turn of this.turns.values()) {
      if (turn.written) continue;
      if (turn.role === 'customer') {
        turn.text = '(caller speech could not be transcribed)';
        this.write(turn);
      } else if (turn.text !== undefined) this.write(turn);
      // A reply with no transcript was never heard in words we know; nothing to write.
    }
  }

  private place(itemId: string, role: MessageRole): Turn {
    let turn = this.turns.get(itemId);
    if (!turn) {
      turn = {
        seq: this.nextSeq(),
        itemId,
        role,
        spokenAt: (role === 'customer' ? this.speechStarts.get(itemId) : undefined) ?? this.clock(),
        text: undefined,
        heardFraction: undefined,
        played: false,
        written: false,
      };
      this.turns.set(itemId, turn);
      this.speechStarts.delete(itemId);
    }
    return turn;
  }

  private fill(turn: Turn, text: string): void {
    if (turn.written) return;
    turn.text = text;
    this.writeIfFinished(turn);
  }

  private writeIfFinished(turn: Turn): void {
    if (turn.text === undefined) return;
    if (turn.role === 'assistant' && !turn.played && turn.heardFraction === undefined) return;
    this.write(turn);
  }

  private write(turn: Turn): void {
    const heard = heardText(turn);
    turn.written = true;
    if (heard.length === 0 && turn.role === 'assistant') return;
    this.onFinished({
      seq: turn.seq,
      role: turn.role,
      text: heard,
      interrupted: turn.heardFraction !== undefined,
      spokenAt: turn.spokenAt,
    });
  }
}

function heardText(turn: Turn): string {
  const full = (turn.text ?? '').trim();
  return turn.heardFraction === undefined ? full : cutAtWord(full, turn.heardFraction);
}

/** The first `fraction` of the words, which is what the caller heard of an interrupted reply. */
export function cutAtWord(text: string, fraction: number): string {
  if (fraction >= 1) return text;
  const words = text.split(/\s+/).filter(Boolean);
  const kept = Math.round(words.length * fraction);
  if (kept === 0) return '';
  return `${words.slice(0, kept).join(' ')}…`;
}
