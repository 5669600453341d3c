import { useState } from 'preact/hooks';
import { Badge, Panel } from '../ui/states.js';
import { useTestCall } from './use-test-call.js';

/**
 * /console/test-call: talk to the spa's receptionist from the browser, exactly as a caller would,
 * and watch the call as it goes: transcript, tool calls, each reply's latency, and the texts the
 * patient would get (never sent from a test call).
 */
export function TestCallPage() {
  const { state, call, hangUp } = useTestCall();
  const [asNumber, setAsNumber] = useState(false);
  const [number, setNumber] = useState('');
  const busy = state.phase === 'connecting' || state.phase === 'live';

  return (
    <div class="grid" data-phase={state.phase} data-received-ms={Math.round(state.receivedMs)} data-played-ms={Math.round(state.playedMs)}>
      <Panel title="Test line" id="test-line">
        <p class="muted" style="margin-top:0">
          Calls your receptionist with the greeting, hours and prices as they are now. Test calls are kept with a badge, left out of
          analytics and costs, and never text anyone: texts a patient would get appear below instead.
        </p>
        <form
          class="filters"
          onSubmit={(event) => {
            event.preventDefault();
            void call(asNumber ? { kind: 'number', number: number.trim() } : { kind: 'new' });
          }}
        >
          <fieldset class="field" disabled={busy}>
            <legend>Call as</legend>
            <label class="check">
              <input type="radio" name="caller" checked={!asNumber} onChange={() => setAsNumber(false)} /> a new caller
            </label>
            <label class="check">
              <input type="radio" name="caller" checked={asNumber} onChange={() => setAsNumber(true)} /> a caller from number…
            </label>
            {asNumber && (
              <label class="field">
                <span>Phone number (E.164, e.g. +12025550142)</span>
                <input name="number" type="tel" required pattern="\+[1-9][0-9]{6,14}" value={number} onInput={(e) => setNumber(e.currentTarget.value)} />
              </label>
            )}
          </fieldset>
          {busy ? (
            <button type="button" class="button button-primary" onClick={hangUp}>
              Hang up
            </button>
          ) : (
            <button type="submit" class="button button-primary">
              Call
            </button>
          )}
        </form>
        <p role="status" class="call-status">
          {state.phase === 'connecting' && 'Connecting…'}
          {state.phase === 'live' && state.caller && (
            <>
              On the line as {state.caller.number} <Badge tone="info">{state.caller.known ? 'returning caller' : 'new caller'}</Badge>
            </>
          )}
          {state.phase === 'ended' && state.ending}
        </p>
      </Panel>

      <Panel title="Transcript" id="transcript">
        {state.turns.length === 0 ? (
          <p class="muted">What you and the receptionist say appears here.</p>
        ) : (
          <ol class="list transcript">
            {state.turns.map((turn) => (
              <li key={turn.seq} data-role={turn.role}>
                <span class="list-main">
                  <span class="list-title">{turn.role === 'customer' ? 'You' : 'Receptionist'}</span> {turn.text}
                  {turn.interrupted && (
                    <>
                      {' '}
                      <Badge tone="warn">cut off</Badge>
                    </>
                  )}
                </span>
              </li>
            ))}
          </ol>
        )}
      </Panel>

      <Panel title="Tool calls" id="tool-calls">
        {state.tools.length === 0 ? (
          <p class="muted">Look-ups and bookings appear here as they happen.</p>
        ) : (
          <ul class="list tool-calls">
            {state.tools.map((tool, i) => (
              <li key={i} data-kind={tool.kind} data-tool={tool.name}>
                <span class="list-main">
                  <span class="list-title">{tool.kind === 'tool_call' ? `→ ${tool.name}` : `← ${tool.name}`}</span>{' '}
                  <code class="muted">{JSON.stringify(tool.data)}</code>
                </span>
              </li>
            ))}
          </ul>
        )}
      </Panel>

      <Panel title="Reply latency" id="reply-latency">
        {state.latenciesMs.length === 0 ? (
          <p class="muted">How long each reply took to start after you stopped speaking.</p>
        ) : (
          <ol class="list latencies">
            {state.latenciesMs.map((ms, i) => (
              <li key={i}>
                Reply {i + 1}: <strong>{ms} ms</strong>
              </li>
            ))}
          </ol>
        )}
      </Panel>

      <Panel title="Texts the patient would get" id="texts">
        {state.texts.length === 0 ? (
          <p class="muted">Confirmations and codes are shown here; a test call texts no one.</p>
        ) : (
          <ul class="list texts">
            {state.texts.map((text, i) => (
              <li key={i} data-purpose={text.purpose}>
                <span class="list-main">{text.body}</span>
              </li>
            ))}
          </ul>
        )}
      </Panel>
    </div>
  );
}
