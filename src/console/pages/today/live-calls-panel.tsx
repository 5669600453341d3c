import { useEffect, useState } from 'preact/hooks';
import type { LiveCall } from '../../api/types.js';
import type { Loaded as LoadState } from '../../app/use-load.js';
import { duration, phone } from '../../ui/format.js';
import { Loaded, Panel } from '../../ui/states.js';

/** Seconds since each call started, counted in the browser (no request per tick). */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

export function LiveCallsPanel({ state }: { state: LoadState<LiveCall[]> }) {
  const now = useNow();
  return (
    <Panel title="Calls in progress" id="live-calls">
      <Loaded state={state} empty={(calls) => calls.length === 0} emptyText="No calls right now. New calls appear here as they start.">
        {(calls) => (
          <ul class="list" aria-live="polite">
            {calls.map((call) => (
              <li key={call.callSid}>
                <div class="list-main">
                  <div class="list-title">
                    <span class="live-dot" aria-hidden="true" />
                    <a href={`/console/conversations/${call.conversationId}`}>{call.customerName ?? phone(call.customerPhone ?? call.fromNumber)}</a>
                  </div>
                  <div class="muted">{call.activity}</div>
                </div>
                <span class="num" aria-label="Call length">
                  {duration((now - Date.parse(call.startedAt)) / 1000)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </Panel>
  );
}
