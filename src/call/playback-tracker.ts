import { monotonicNow } from './call-clock.js';

/**
 * Knows how much of each assistant item the caller has actually heard. We send audio faster than
 * real time and Twilio buffers it; a mark after each chunk is echoed when the audio before it has
 * played. Between echoes, elapsed time since the last echo refines the figure, capped at the next
 * unechoed mark, so the estimate is never more than was sent or than the next mark allows.
 * An item may arrive in bursts with gaps (the model streams near real time): it keeps one record
 * with running totals, and counts as played only once its response is complete and every mark is back.
 */

interface ItemPlayback {
  itemId: string;
  key: number;
  sentMs: number;
  /** Marks sent and not yet echoed, ascending. */
  outstanding: number[];
  heardMs: number;
  /** Clock time at which heardMs was last known exactly (an echo or the start of playback). */
  anchorAt: number | undefined;
  /** No more audio will come for this item. */
  complete: boolean;
}

export interface PlayingItem {
  itemId: string;
  heardMs: number;
  sentMs: number;
}

export class PlaybackTracker {
  private readonly items: ItemPlayback[] = [];
  private readonly byId = new Map<string, ItemPlayback>();
  private readonly byKey = new Map<number, ItemPlayback>();
  private nextKey = 1;

  constructor(
    private readonly now: () => number = monotonicNow,
    /** Called when all of an item's audio has been heard and no more will come. */
    private readonly onItemPlayed: (itemId: string) => void = () => {},
  ) {}

  /** Records `ms` more audio of `itemId` sent to Twilio; returns the name of the mark to send after it. */
  audioSent(itemId: string, ms: number): string {
    let item = this.byId.get(itemId);
    if (!item) {
      item = { itemId, key: this.nextKey++, sentMs: 0, outstanding: [], heardMs: 0, anchorAt: undefined, complete: false };
      this.items.push(item);
      this.byId.set(itemId, item);
      this.byKey.set(item.key, item);
    }
    // Plays at once if nothing is queued at Twilio ahead of it (a new item, or one resuming after a gap).
    if (item.outstanding.length === 0 && !this.items.some((i) => i !== item && i.outstanding.length > 0)) {
      item.heardMs = item.sentMs;
      item.anchorAt = this.now();
    }
    item.sentMs += ms;
    item.outstanding.push(item.sentMs);
    return `${item.key}:${item.sentMs}`;
  }

  /** Twilio played everything up to this mark. Unknown or stale marks are ignored. */
  markEchoed(name: string): void {
    const [keyText, msText] = name.split(':');
    const item = this.byKey.get(Number(keyText));
    const ms = Number(msText);
    if (!item || !Number.isFinite(ms)) return;
    item.outstanding = item.outstanding.filter((m) => m > ms);
    if (ms > item.heardMs) item.heardMs = ms;
    item.anchorAt = this.now();
    if (item.outstanding.length > 0) return;
    // This item's audio has all played: whatever is queued next starts now.
    const next = this.items.find((i) => i.outstanding.length > 0 && i.anchorAt === undefined);
    if (next) next.anchorAt = this.now();
    if (item.complete) this.finish(item);
  }

  /** The item's response is done: no more audio will come for it. */
  itemComplete(itemId: string): void {
    const item = this.byId.get(itemId);
    if (!item) return;
    item.complete = true;
    if (item.outstanding.length === 0) this.finish(item);
  }

  /** The item being heard now, if any of its audio is still unplayed. */
  playing(): PlayingItem | undefined {
    const item = this.items.find((i) => i.outstanding.length > 0);
    return item ? this.describe(item) : undefined;
  }

  /**
   * Items a barge-in cuts short, oldest first: audio still queued at Twilio, or an item still
   * being generated (the caller heard all that was sent, but the model has more).
   */
  unplayed(): PlayingItem[] {
    return this.items.filter((i) => i.outstanding.length > 0 || !i.complete).map((i) => this.describe(i));
  }

  /** True when everything sent has been heard. */
  get idle(): boolean {
    return this.items.every((i) => i.outstanding.length === 0);
  }

  /** After a `clear`: forget queued audio; echoes of its marks (Twilio sends them all) are ignored. */
  clearAll(): void {
    this.items.length = 0;
    this.byId.clear();
    this.byKey.clear();
  }

  private describe(item: ItemPlayback): PlayingItem {
    return { itemId: item.itemId, heardMs: this.heardMs(item), sentMs: item.sentMs };
  }

  private heardMs(item: ItemPlayback): number {
    const cap = item.outstanding[0] ?? item.sentMs;
    if (item.anchorAt === undefined) return item.heardMs;
    const estimate = item.heardMs + (this.now() - item.anchorAt);
    return Math.floor(Math.min(cap, Math.max(item.heardMs, estimate)));
  }

  private finish(item: ItemPlayback): void {
    const index = this.items.indexOf(item);
    if (index === -1) return;
    this.items.splice(index, 1);
    this.byId.delete(item.itemId);
    this.byKey.delete(item.key);
    this.onItemPlayed(item.itemId);
  }
}
