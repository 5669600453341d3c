import type { Settings } from '../../api/types.js';
import { number, SettingsSection, text } from './save-form.js';

const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;
type Voice = (typeof VOICES)[number];

type Props = { settings: Settings; onSaved: (s: Settings) => void };

export function PersonaSection({ settings: s, onSaved }: Props) {
  return (
    <SettingsSection
      title="Persona and greeting"
      id="persona"
      onSaved={onSaved}
      patch={(f) => ({
        persona: {
          name: text(f, 'name'),
          greeting: text(f, 'greeting'),
          tone: text(f, 'tone'),
          policies: text(f, 'policies').split('\n').map((p) => p.trim()).filter(Boolean),
        },
      })}
    >
      <div class="form-grid">
        <label class="field">
          <span>Receptionist's name</span>
          <input name="name" defaultValue={s.persona.name} required maxLength={40} />
        </label>
      </div>
      <label class="field" style="margin-top:12px">
        <span>Greeting</span>
        <textarea name="greeting" defaultValue={s.persona.greeting} required maxLength={400} />
        <span class="field-hint">Said word for word when she answers.</span>
      </label>
      <label class="field" style="margin-top:12px">
        <span>Tone</span>
        <textarea name="tone" defaultValue={s.persona.tone} required maxLength={600} />
      </label>
      <label class="field" style="margin-top:12px">
        <span>Policies (one a line)</span>
        <textarea name="policies" defaultValue={s.persona.policies.join('\n')} />
      </label>
    </SettingsSection>
  );
}

export function VoiceSection({ settings: s, onSaved }: Props) {
  return (
    <SettingsSection
      title="Voice"
      id="voice"
      hint="How the receptionist sounds on the phone. The languages she speaks are set under Languages."
      onSaved={onSaved}
      patch={(f) => ({ settings: { voice: text(f, 'voice') as Voice } })}
    >
      <div class="form-grid">
        <label class="field">
          <span>Voice</span>
          <select name="voice">
            {VOICES.map((v) => (
              <option key={v} value={v} selected={v === s.settings.voice}>
                {v[0]?.toUpperCase() + v.slice(1)}
              </option>
            ))}
          </select>
        </label>
      </div>
    </SettingsSection>
  );
}

export function BookingRulesSection({ settings: s, onSaved }: Props) {
  const fields = [
    ['minNoticeMinutes', 'Minimum notice (minutes)', s.settings.minNoticeMinutes],
    ['bufferMinutes', 'Buffer between appointments (minutes)', s.settings.bufferMinutes],
    ['slotIntervalMinutes', 'Start times every (minutes)', s.settings.slotIntervalMinutes],
    ['reminderLeadHours', 'Reminder before (hours)', s.settings.reminderLeadHours],
    ['smsThreadQuietHours', 'A text thread ends after (hours quiet)', s.settings.smsThreadQuietHours],
  ] as const;
  return (
    <SettingsSection
      title="Booking rules"
      id="booking-rules"
      onSaved={onSaved}
      patch={(f) => ({
        persona: { cancellationNoticeHours: number(f, 'cancellationNoticeHours') },
        settings: {
          ...Object.fromEntries(fields.map(([name]) => [name, number(f, name)])),
          followUpAbandonedCalls: f.get('followUpAbandonedCalls') === 'on',
        },
      })}
    >
      <div class="form-grid">
        <label class="field">
          <span>Cancellation notice (hours)</span>
          <input name="cancellationNoticeHours" type="number" min={0} max={168} defaultValue={String(s.persona.cancellationNoticeHours)} />
        </label>
        {fields.map(([name, label, value]) => (
          <label class="field" key={name}>
            <span>{label}</span>
            <input name={name} type="number" min={0} defaultValue={String(value)} required />
          </label>
        ))}
      </div>
      <label class="check" style="margin-top:12px">
        <input type="checkbox" name="followUpAbandonedCalls" defaultChecked={s.settings.followUpAbandonedCalls} />
        Text callers whose call ended with nothing settled
      </label>
    </SettingsSection>
  );
}

export function BudgetSection({ settings: s, onSaved }: Props) {
  return (
    <SettingsSection
      title="Monthly budget"
      id="budget-setting"
      hint="What the receptionist may cost a month (models and Twilio). Today and Analytics warn when the month is heading over."
      onSaved={onSaved}
      patch={(f) => ({ settings: { monthlyBudgetUsd: text(f, 'budget') ? number(f, 'budget') : null } })}
    >
      <label class="field" style="max-width:240px">
        <span>Budget (US dollars; empty for none)</span>
        <input name="budget" type="number" min={1} step="0.01" defaultValue={s.settings.monthlyBudgetUsd === null ? '' : String(s.settings.monthlyBudgetUsd)} />
      </label>
    </SettingsSection>
  );
}
