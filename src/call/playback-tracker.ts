/**
 * Knows how much of each assistant item the caller has actually heard. We send audio faster than
 * real time and Twilio buffers it; a mark after each chunk is echoed when the audio before it has
 * played. Between echoes, elapsed time since the last echo refines the figure, capped at the next
 * unechoed mark, so the estimate is never more than was sent or than the next mark allows.
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
}

export interface PlayingItem {
  itemId: string;
  heardMs: number;
  sentMs: number;
}

export class PlaybackTracker {
  private readonly items: ItemPlayback[] = [];
  private readonly byKey = new Map<number, ItemPlayback>();
  private nextKey = 1;

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** Called when all of an item's audio has been heard. */
    private readonly onItemPlayed: (itemId: string) => void = () => {},
  ) {}

  /** Records `ms` more audio of `itemId` sent to Twilio; returns the name of the mark to send after it. */
  audioSent(itemId: string, ms: number): string {
    let item = this.items.at(-1);
    if (!item || item.itemId !== itemId) {
      item = { itemId, key: this.nextKey++, sentMs: 0, outstanding: [], heardMs: 0, anchorAt: undefined };
      // Plays at once if nothing earlier is still queued at Twilio.
      if (!this.items.some((i) => i.outstanding.length > 0)) item.anchorAt = this.now();
      this.items.push(item);
      this.byKey.set(item.key, item);
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
    if (item.outstanding.length === 0) this.finish(item);
  }

  /** The item being heard now, if any of its audio is still unplayed. */
  playing(): PlayingItem | undefined {
    const item = this.items.find((i) => i.outstanding.length > 0);
    if (!item) return undefined;
    return { itemId: item.itemId, heardMs: this.heardMs(item), sentMs: item.sentMs };
  }

  /** Items with audio still queued at Twilio, oldest first, with how much of each was heard. */
  unplayed(): PlayingItem[] {
    return this.items
      .filter((i) => i.outstanding.length > 0)
      .map((i) => ({ itemId: i.itemId, heardMs: this.heardMs(i), sentMs: i.sentMs }));
  }

  /** True when everything sent has been heard. */
  get idle(): boolean {
    return this.items.every((i) => i.outstanding.length === 0);
  }

  /** After a `clear`: forget queued audio; echoes of its marks (Twilio sends them all) are ignored. */
  clearAll(): void {
    for (const item of this.items) this.byKey.delete(item.key);
    this.items.length = 0;
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
    this.byKey.delete(item.key);
    const next = this.items.find((i) => i.outstanding.length > 0);
    if (next && next.anchorAt === undefined) next.anchorAt = this.now();
    this.onItemPlayed(item.itemId);
  }
}
