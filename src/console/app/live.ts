import { useEffect, useRef } from 'preact/hooks';

/**
 * Live updates: one EventSource on /api/v1/events for the whole console (the session cookie goes
 * with it). Pages subscribe to topics and reload their data when one changes; after `resync` (the
 * server may have missed changes) or a reconnect, everyone reloads.
 */

export type Topic = 'live_calls' | 'staff_messages' | 'conversations' | 'appointments' | 'conversation_timeline';

interface Change {
  topic: Topic;
  conversationId: string | null;
}

type Listener = (change: Change | 'resync') => void;

const listeners = new Set<Listener>();
let source: EventSource | undefined;

function open(): void {
  if (source) return;
  source = new EventSource('/api/v1/events');
  let opened = false;
  source.addEventListener('ready', () => {
    // A reconnect: what changed while we were away was not heard.
    if (opened) for (const listener of listeners) listener('resync');
    opened = true;
  });
  source.addEventListener('resync', () => {
    for (const listener of listeners) listener('resync');
  });
  source.addEventListener('change', (event) => {
    const change = JSON.parse((event as MessageEvent<string>).data) as Change;
    for (const listener of listeners) listener(change);
  });
}

export function closeLiveUpdates(): void {
  source?.close();
  source = undefined;
}

/**
 * Calls `reload` when one of `topics` changes (for `conversationId`, when given). Bursts are folded
 * into one reload at most every 300 ms.
 */
export function useLiveReload(topics: Topic[], reload: () => void, conversationId?: string): void {
  const latest = useRef(reload);
  latest.current = reload;
  const key = `${topics.join(',')}|${conversationId ?? ''}`;
  useEffect(() => {
    open();
    let timer: number | undefined;
    const listener: Listener = (change) => {
      if (change !== 'resync') {
        if (!topics.includes(change.topic)) return;
        if (conversationId && change.conversationId && change.conversationId !== conversationId) return;
      }
      if (timer === undefined) timer = window.setTimeout(() => ((timer = undefined), latest.current()), 300);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      window.clearTimeout(timer);
    };
  }, [key]);
}
