import { useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { FieldProblemText, number, SettingsSection, text, useFieldProblem } from './save-form.js';

type Routing = Settings['settings']['routing'];
type Mode = Routing['mode'];
type Fallback = Routing['unansweredFallback'];

const MODES: { value: Mode; title: string; explain: string }[] = [
  { value: 'receptionist_first', title: 'The receptionist answers every call', explain: 'Day and night. Callers who ask for a person are transferred to the front desk during opening hours.' },
  {
    value: 'front_desk_first',
    title: 'The front desk first, then the receptionist',
    explain: 'During opening hours the front desk rings first; if nobody picks up, the receptionist takes the call. Outside hours she answers at once.',
  },
  {
    value: 'after_hours_only',
    title: 'The receptionist only outside opening hours',
    explain: 'During opening hours the front desk rings; a call nobody picks up goes where you choose below. Outside hours the receptionist answers.',
  },
];

const FALLBACKS: { value: Fallback; title: string; explain: string }[] = [
  { value: 'voicemail', title: 'Voicemail', explain: 'The caller leaves a message; it shows up with the messages to call back.' },
  { value: 'receptionist', title: 'The receptionist', explain: 'She takes the call as she does after hours.' },
];

/** Who answers the phone: the receptionist, the front desk first, or the receptionist only after hours. */
export function RoutingSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const [mode, setMode] = useState<Mode>(s.settings.routing.mode);
  const transfer = useFieldProblem('transferNumber');
  const ring = useFieldProblem('settings.routing.frontDeskRingSeconds');
  const ringsDesk = mode !== 'receptionist_first';
  return (
    <SettingsSection
      title="Who answers the phone"
      id="routing"
      onSaved={onSaved}
      patch={(f) => ({
        transferNumber: text(f, 'transferNumber') || null,
        settings: {
          routing: {
            mode,
            frontDeskRingSeconds: number(f, 'frontDeskRingSeconds'),
            unansweredFallback: text(f, 'unansweredFallback') === 'receptionist' ? 'receptionist' : 'voicemail',
            dtmf: f.get('dtmf') === 'on',
          },
        },
      })}
    >
      <fieldset class="settings-group">
        <legend>Who picks up</legend>
        <div class="choices">
          {MODES.map((m) => (
            <label class="choice" key={m.value}>
              <input type="radio" name="mode" value={m.value} checked={mode === m.value} onChange={() => setMode(m.value)} />
              <span class="choice-text">
                <strong>{m.title}</strong>
                <span>{m.explain}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div class="form-grid">
        <label class="field">
          <span>Front desk number</span>
          <input name="transferNumber" type="tel" autoComplete="off" defaultValue={s.transferNumber ?? ''} placeholder="+12025550123" {...transfer.attributes} />
          <FieldProblemText problem={transfer} />
          <span class="field-hint">
            {ringsDesk && !s.transferNumber ? 'Needed to ring the front desk: without it the receptionist answers every call. ' : ''}
            In international form (+1…). Callers who ask for a person are transferred here.
          </span>
        </label>
        <label class="field">
          <span>Ring time (seconds)</span>
          <input name="frontDeskRingSeconds" type="number" required min={5} max={120} step={1} defaultValue={String(s.settings.routing.frontDeskRingSeconds)} {...ring.attributes} />
          <FieldProblemText problem={ring} />
          <span class="field-hint">How long the front desk rings before the call moves on: 5 to 120 seconds{ringsDesk ? '' : ' (when the front desk rings first)'}.</span>
        </label>
      </div>
      {/* Kept in the form while hidden, so switching modes back and forth loses nothing. */}
      <fieldset class="settings-group" style="margin-top:16px" hidden={mode !== 'after_hours_only'}>
        <legend>When the front desk does not pick up</legend>
        <div class="choices">
          {FALLBACKS.map((fb) => (
            <label class="choice" key={fb.value}>
              <input type="radio" name="unansweredFallback" value={fb.value} defaultChecked={s.settings.routing.unansweredFallback === fb.value} />
              <span class="choice-text">
                <strong>{fb.title}</strong>
                <span>{fb.explain}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <label class="check" style="margin-top:16px">
        <input type="checkbox" name="dtmf" defaultChecked={s.settings.routing.dtmf} />
        Callers can use the keypad: 0 for a person, and typing numbers (a date of birth, a phone number) for the receptionist
      </label>
    </SettingsSection>
  );
}
