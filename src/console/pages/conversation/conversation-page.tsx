import { api, dataOf } from '../../api/client.js';
import { useLiveReload } from '../../app/live.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime, duration, phone, time } from '../../ui/format.js';
import { Badge, Loaded, Panel } from '../../ui/states.js';
import { StaffMessageItem } from '../today/staff-messages-panel.js';
import { AnalysisPanel, CostPanel } from './analysis-panel.js';
import { TextReply } from './text-reply.js';
import { timeline } from './timeline-entry.js';

const ROLE_LABEL: Record<string, string> = { customer: 'Patient', assistant: 'Receptionist', staff: 'Staff' };
const ROLE_CLASS: Record<string, string> = { customer: 'turn-patient', assistant: 'turn-receptionist', staff: 'turn-staff' };

/** One call or text thread: the timeline, the reading of it, what it booked and cost, and what staff can do. */
export function ConversationPage({ id }: { id: string }) {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/conversations/{id}', { params: { path: { id } } })), [id]);
  useLiveReload(['conversation_timeline', 'conversations'], state.reload, id);
  const messages = useLoad(async () => dataOf(await api.GET('/api/v1/messages-for-staff', { params: { query: { handled: 'false' } } })).data, []);
  useLiveReload(['staff_messages'], messages.reload);
  const mine = (messages.data ?? []).filter((m) => m.conversationId === id);

  return (
    <Loaded state={state} what="Loading the conversation">
      {(detail) => {
        const c = detail.conversation;
        const who = c.customerName ?? phone(c.customerPhone ?? detail.voice?.fromNumber);
        return (
          <>
            <p class="muted" style="margin-top:-8px">
              <a href="/console/conversations">← Conversations</a>
            </p>
            <section class="panel" aria-label="About this conversation">
              <div class="stat-row">
                <div class="stat">
                  <div class="stat-value">{c.customerId ? <a href={`/console/patients/${c.customerId}`}>{who}</a> : who}</div>
                  <div class="stat-label">{c.channel === 'voice' ? 'Call' : 'Text thread'} · {dayTime(c.startedAt)}</div>
                </div>
                {c.channel === 'voice' && (
                  <div class="stat">
                    <div class="stat-value">{duration(detail.voice?.durationSeconds)}</div>
                    <div class="stat-label">length</div>
                  </div>
                )}
                <div class="stat">
                  <div class="stat-value">{c.status === 'active' ? <Badge tone="info">in progress</Badge> : <Badge>{c.status}</Badge>}</div>
                  <div class="stat-label">status{detail.voice?.endedBy ? ` · ended by ${detail.voice.endedBy.replace(/_/g, ' ')}` : ''}</div>
                </div>
              </div>
            </section>
            {mine.length > 0 && (
              <Panel title="Message for staff" id="conversation-staff-message">
                <ul class="list">
                  {mine.map((m) => (
                    <StaffMessageItem key={m.id} message={m} onHandled={messages.reload} />
                  ))}
                </ul>
              </Panel>
            )}
            <div class="layout-detail" style="margin-top:16px">
              <Panel title={c.channel === 'voice' ? 'Transcript' : 'Texts'} id="transcript">
                <Timeline items={timeline(detail)} />
                {c.channel === 'sms' && <TextReply id={id} paused={c.aiPaused} onSent={state.reload} />}
              </Panel>
              <div>
                <AnalysisPanel detail={detail} />
                {detail.appointments.length > 0 && (
                  <Panel title="Appointment" id="conversation-appointments">
                    <ul class="list">
                      {detail.appointments.map((a) => (
                        <li key={a.id}>
                          <div class="list-main">
                            <div class="list-title">{a.service}</div>
                            <div class="muted">
                              {dayTime(a.startsAt)} with {a.provider}
                            </div>
                          </div>
                          <Badge tone={a.status === 'confirmed' ? 'good' : 'neutral'}>{a.status}</Badge>
                        </li>
                      ))}
                    </ul>
                  </Panel>
                )}
                <CostPanel detail={detail} />
              </div>
            </div>
          </>
        );
      }}
    </Loaded>
  );
}

function Timeline({ items }: { items: ReturnType<typeof timeline> }) {
  if (items.length === 0) return <p class="state">Nothing has been said yet.</p>;
  return (
    <ol class="timeline" aria-label="Timeline">
      {items.map((item) =>
        item.kind === 'turn' ? (
          <li key={`t${item.seq}`} class={`turn ${ROLE_CLASS[item.role] ?? ''}`}>
            <div class="turn-meta">
              <strong>{ROLE_LABEL[item.role] ?? item.role}</strong>
              <time dateTime={item.at}>{time(item.at)}</time>
              {item.interrupted && <span>(cut off)</span>}
            </div>
            <p>{item.text}</p>
          </li>
        ) : (
          <li key={`e${item.seq}`} class={`event ${item.problem ? 'event-error' : ''}`}>
            <strong>{item.text}</strong>
            {item.detail && <span> — {item.detail}</span>} <time dateTime={item.at}>{time(item.at)}</time>
          </li>
        ),
      )}
    </ol>
  );
}
