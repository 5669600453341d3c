import { useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { FieldProblemText, number, SettingsSection, text, useFieldProblem } from './save-form.js';

type Provider = Settings['settings']['provider'];
type Fallback = Settings['settings']['fallbackProvider'];
type Eagerness = 'low' | 'medium' | 'high' | 'auto';

const PROVIDERS: { value: Provider; title: string; explain: string }[] = [
  { value: 'openai', title: 'OpenAI Realtime', explain: 'The default.' },
  { value: 'gemini', title: 'Google Gemini Live', explain: 'Needs a Gemini key on this server; without one, calls stay on OpenAI.' },
];

const FALLBACKS: { value: string; label: string }[] = [
  { value: 'auto', label: 'The other one, when this server is set up for it' },
  { value: 'openai', label: 'OpenAI Realtime' },
  { value: 'gemini', label: 'Google Gemini Live' },
  { value: 'none', label: 'None: the front desk or voicemail takes the call' },
];

const EAGERNESS: { value: Eagerness; label: string }[] = [
  { value: 'auto', label: 'Balanced (recommended)' },
  { value: 'low', label: 'Patient: lets callers finish, even with long pauses' },
  { value: 'medium', label: 'Medium' },
  { value: 'high', label: 'Quick: replies as soon as a sentence may be done' },
];

const fallbackOf = (value: string): Fallback => (value === 'openai' || value === 'gemini' || value === 'none' ? value : null);

/** Which speech model answers calls, who takes over when it fails, and how a caller's turn is judged finished. */
export function ProviderSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const turns = s.settings.turnDetection;
  const [detection, setDetection] = useState(turns.type);
  const threshold = useFieldProblem('settings.turnDetection.threshold');
  const padding = useFieldProblem('settings.turnDetection.prefixPaddingMs');
  const silence = useFieldProblem('settings.turnDetection.silenceDurationMs');
  const silenceDefaults = turns.type === 'server_vad' ? turns : { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 };
  return (
    <SettingsSection
      title="Speech model"
      id="provider"
      hint="The service that listens and speaks on calls. Texts and summaries are written by OpenAI either way."
      onSaved={onSaved}
      patch={(f) => ({
        settings: {
          provider: text(f, 'provider') === 'gemini' ? 'gemini' : 'openai',
          fallbackProvider: fallbackOf(text(f, 'fallbackProvider')),
          turnDetection:
            detection === 'server_vad'
              ? { type: 'server_vad', threshold: number(f, 'threshold'), prefixPaddingMs: number(f, 'prefixPaddingMs'), silenceDurationMs: number(f, 'silenceDurationMs') }
              : { type: 'semantic_vad', eagerness: text(f, 'eagerness') as Eagerness },
        },
      })}
    >
      <fieldset class="settings-group">
        <legend>Calls are answered by</legend>
        <div class="choices">
          {PROVIDERS.map((p) => (
            <label class="choice" key={p.value}>
              <input type="radio" name="provider" value={p.value} defaultChecked={s.settings.provider === p.value} />
              <span class="choice-text">
                <strong>{p.title}</strong>
                <span>{p.explain}</span>
              </span>
            </label>
          ))}
        </div>
        <label class="field" style="margin-top:12px;max-width:420px">
          <span>If it fails during a call, switch to</span>
          <select name="fallbackProvider">
            {FALLBACKS.map((fb) => (
              <option key={fb.value} value={fb.value} selected={fb.value === (s.settings.fallbackProvider ?? 'auto')}>
                {fb.label}
              </option>
            ))}
          </select>
          <span class="field-hint">The call carries on with the other model, which is told the conversation so far.</span>
        </label>
      </fieldset>
      <fieldset class="settings-group">
        <legend>When she replies</legend>
        <div class="choices">
          <label class="choice">
            <input type="radio" name="detection" value="server_vad" checked={detection === 'server_vad'} onChange={() => setDetection('server_vad')} />
            <span class="choice-text">
              <strong>After a pause</strong>
              <span>She replies once the caller has been silent for a set time.</span>
            </span>
          </label>
          <label class="choice">
            <input type="radio" name="detection" value="semantic_vad" checked={detection === 'semantic_vad'} onChange={() => setDetection('semantic_vad')} />
            <span class="choice-text">
              <strong>When the caller sounds finished</strong>
              <span>She judges from the words whether the caller is done (Gemini Live only approximates this with how long it waits).</span>
            </span>
          </label>
        </div>
        <div class="form-grid" style="margin-top:12px" hidden={detection !== 'server_vad'}>
          <label class="field">
            <span>Pause before she replies (ms)</span>
            <input name="silenceDurationMs" type="number" required disabled={detection !== 'server_vad'} min={100} max={3000} step={50} defaultValue={String(silenceDefaults.silenceDurationMs)} {...silence.attributes} />
            <FieldProblemText problem={silence} />
          </label>
          <label class="field">
            <span>Speech sensitivity (0 to 1)</span>
            <input name="threshold" type="number" required disabled={detection !== 'server_vad'} min={0} max={1} step={0.05} defaultValue={String(silenceDefaults.threshold)} {...threshold.attributes} />
            <FieldProblemText problem={threshold} />
            <span class="field-hint">Higher ignores more background noise.</span>
          </label>
          <label class="field">
            <span>Audio kept before speech starts (ms)</span>
            <input name="prefixPaddingMs" type="number" required disabled={detection !== 'server_vad'} min={0} max={2000} step={50} defaultValue={String(silenceDefaults.prefixPaddingMs)} {...padding.attributes} />
            <FieldProblemText problem={padding} />
          </label>
        </div>
        <label class="field" style="margin-top:12px;max-width:420px" hidden={detection !== 'semantic_vad'}>
          <span>How quickly she replies</span>
          <select name="eagerness">
            {EAGERNESS.map((e) => (
              <option key={e.value} value={e.value} selected={e.value === (turns.type === 'semantic_vad' ? turns.eagerness : 'auto')}>
                {e.label}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
    </SettingsSection>
  );
}
