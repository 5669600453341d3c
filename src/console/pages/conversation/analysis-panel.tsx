import type { ConversationDetail } from '../../api/types.js';
import { outcome, usd, words } from '../../ui/format.js';
import { Badge, Panel } from '../../ui/states.js';
import { satisfactionTone } from '../conversations/conversation-table.js';

/** The after-conversation reading: summary, outcome and who decided it, satisfaction, services, questions, follow-up. */
export function AnalysisPanel({ detail }: { detail: ConversationDetail }) {
  const c = detail.conversation;
  return (
    <Panel title="Analysis" id="analysis">
      {c.analysedAt === null && c.status === 'active' ? (
        <p class="state">The summary is written once the conversation ends.</p>
      ) : (
        <dl class="facts">
          <dt>Summary</dt>
          <dd>{c.summary ?? (c.analysisError ? `Could not be read: ${c.analysisError}` : 'Not summarised yet.')}</dd>
          <dt>Outcome</dt>
          <dd>
            {outcome(c.outcome)}
            {c.outcomeSource && <span class="muted"> (by {c.outcomeSource === 'tool' ? 'what the receptionist did' : c.outcomeSource === 'model' ? 'the summary' : 'rule'})</span>}
          </dd>
          <dt>Satisfaction</dt>
          <dd>
            {c.satisfaction === null ? '—' : <Badge tone={satisfactionTone(c.satisfaction)}>{c.satisfaction} / 5</Badge>} {c.satisfactionReason}
          </dd>
          <dt>Services</dt>
          <dd>{c.services.length ? c.services.join(', ') : '—'}</dd>
          <dt>Questions</dt>
          <dd>{c.questions.length ? c.questions.join(' · ') : '—'}</dd>
          <dt>Follow-up</dt>
          <dd>{c.followUpNeeded ? <Badge tone="warn">needed</Badge> : c.followUpNeeded === false ? 'not needed' : '—'}</dd>
        </dl>
      )}
    </Panel>
  );
}

const COMPONENTS: Record<string, string> = {
  realtimeAudioInUsd: 'Voice model: audio in',
  realtimeAudioOutUsd: 'Voice model: audio out',
  realtimeCachedInputUsd: 'Voice model: cached input',
  realtimeTextUsd: 'Voice model: text',
  transcriptionUsd: 'Transcription',
  textRepliesUsd: 'Text replies',
  summaryUsd: 'Summary',
  twilioVoiceUsd: 'Twilio minutes',
  twilioSmsUsd: 'Twilio texts',
};

export function CostPanel({ detail }: { detail: ConversationDetail }) {
  const cost = detail.cost;
  return (
    <Panel title="Cost" id="cost">
      {!cost ? (
        <p class="state">Costed once the conversation has been analysed.</p>
      ) : (
        <table>
          <tbody>
            {Object.entries(cost.components)
              .filter(([, value]) => Number(value) > 0)
              .map(([key, value]) => (
                <tr key={key}>
                  <th scope="row">{COMPONENTS[key] ?? words(key)}</th>
                  <td class="num">{usd(value, 4)}</td>
                </tr>
              ))}
            <tr>
              <th scope="row">Total</th>
              <td class="num">
                <strong>{usd(cost.totalUsd, 4)}</strong>
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </Panel>
  );
}
