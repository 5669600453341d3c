import { api, dataOf } from '../../api/client.js';
import { useLoad } from '../../app/use-load.js';
import { Badge, Loaded, Panel } from '../../ui/states.js';

/** Last week's digest as the owner would get it by email. */
export function Digest() {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/analytics/weekly-digest')), []);
  return (
    <Panel title="Last week's digest" id="digest">
      <Loaded state={state}>
        {(d) => (
          <div class="grid grid-2">
            <div>
              <p style="margin-top:0">
                <strong>{d.subject}</strong>
              </p>
              <h3 style="font-size:14px;margin:12px 0 4px">What patients asked most</h3>
              <ol style="margin:0;padding-left:20px">
                {d.topQuestions.slice(0, 5).map((q) => (
                  <li key={q.question}>
                    {q.question} <span class="muted">({q.count})</span>
                  </li>
                ))}
              </ol>
            </div>
            <div>
              <h3 style="font-size:14px;margin:0 0 4px">Worth a call back ({d.callBacks.length})</h3>
              <ul class="list">
                {d.callBacks.slice(0, 6).map((c) => (
                  <li key={c.conversationId}>
                    <div class="list-main">
                      <a href={`/console/conversations/${c.conversationId}`}>{c.customerName ?? 'Unknown caller'}</a>{' '}
                      <Badge tone={c.why === 'unhappy' ? 'bad' : 'warn'}>{c.why === 'unhappy' ? 'unhappy' : 'follow up'}</Badge>
                      <div class="muted">{c.summary ?? ''}</div>
                    </div>
                  </li>
                ))}
              </ul>
            </div>
          </div>
        )}
      </Loaded>
    </Panel>
  );
}
