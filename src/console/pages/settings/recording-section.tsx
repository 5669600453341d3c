import type { Settings } from '../../api/types.js';
import { FieldProblemText, number, numberOrNull, SettingsSection, text, useFieldProblem } from './save-form.js';

/** Call recording (off until turned on), how long recordings and transcripts are kept, and the disclosure. */
export function RecordingSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  const recording = s.settings.recording;
  const retention = useFieldProblem('settings.recording.retentionDays');
  const disclosure = useFieldProblem('settings.recording.disclosure');
  const transcripts = useFieldProblem('settings.transcriptRetentionDays');
  return (
    <SettingsSection
      title="Recordings and privacy"
      id="recording"
      onSaved={onSaved}
      patch={(f) => ({
        settings: {
          recording: { enabled: f.get('recordingEnabled') === 'on', retentionDays: number(f, 'retentionDays'), disclosure: text(f, 'disclosure') },
          transcriptRetentionDays: numberOrNull(f, 'transcriptRetentionDays'),
        },
      })}
    >
      <fieldset class="settings-group">
        <legend>Call recordings</legend>
        <label class="check">
          <input type="checkbox" name="recordingEnabled" defaultChecked={recording.enabled} />
          Record calls (both sides), for staff to listen to with the transcript
        </label>
        <div class="form-grid" style="margin-top:12px">
          <label class="field">
            <span>Keep recordings for (days)</span>
            <input name="retentionDays" type="number" required min={1} max={3650} step={1} defaultValue={String(recording.retentionDays)} {...retention.attributes} />
            <FieldProblemText problem={retention} />
            <span class="field-hint">Deleted automatically after that, every night.</span>
          </label>
        </div>
        <label class="field" style="margin-top:12px">
          <span>What callers are told</span>
          <textarea name="disclosure" required maxLength={300} defaultValue={recording.disclosure} {...disclosure.attributes} />
          <FieldProblemText problem={disclosure} />
          <span class="field-hint">Said word for word at the end of the greeting while recording is on. A caller who objects is not recorded.</span>
        </label>
      </fieldset>
      <fieldset class="settings-group">
        <legend>Transcripts and texts</legend>
        <label class="field" style="max-width:320px">
          <span>Delete transcripts and texts after (days)</span>
          <input
            name="transcriptRetentionDays"
            type="number"
            min={1}
            max={3650}
            step={1}
            defaultValue={s.settings.transcriptRetentionDays === null ? '' : String(s.settings.transcriptRetentionDays)}
            {...transcripts.attributes}
          />
          <FieldProblemText problem={transcripts} />
          <span class="field-hint">Leave it empty to keep them. The outcome and cost of each conversation are kept either way.</span>
        </label>
      </fieldset>
    </SettingsSection>
  );
}
