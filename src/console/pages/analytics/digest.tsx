import { api, dataOf } from '../../api/client.js';
import { useLoad } from '../../app/use-load.js';
import { Loaded, Panel } from '../../ui/states.js';

/** Last week's digest as the owner would get it by email. */
export function Digest() {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/analytics/weekly-digest')), []);
  return (
    <Panel title="Last week's digest" id="digest">
      <Loaded state={state}>
        {(d) => (
          <>
            <p>
              <strong>{d.subject}</strong>
            </p>
            <pre style="white-space:pre-wrap;font:inherit;margin:0">{d.text}</pre>
          </>
        )}
      </Loaded>
    </Panel>
  );
}
