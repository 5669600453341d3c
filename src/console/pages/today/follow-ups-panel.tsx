import type { ConversationRow } from '../../api/types.js';
import type { Loaded as LoadState } from '../../app/use-load.js';
import { dayTime, phone } from '../../ui/format.js';
import { Loaded, Panel } from '../../ui/states.js';

/** Conversations whose summary says staff should follow up. */
export function FollowUpsPanel({ state }: { state: LoadState<ConversationRow[]> }) {
  return (
    <Panel title="Needs a follow-up" id="follow-ups" actions={<a href="/console/conversations?followUpNeeded=true">All</a>}>
      <Loaded state={state} empty={(rows) => rows.length === 0} emptyText="No conversations need a follow-up.">
        {(rows) => (
          <ul class="list">
            {rows.map((c) => (
              <li key={c.id}>
                <div class="list-main">
                  <div class="list-title">
                    <a href={`/console/conversations/${c.id}`}>{c.customerName ?? phone(c.customerPhone)}</a>{' '}
                    <span class="muted nowrap">{dayTime(c.startedAt)}</span>
                  </div>
                  <div class="muted">{c.summary ?? 'No summary yet.'}</div>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </Panel>
  );
}
