import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { useLiveReload } from '../../app/live.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime, duration, phone, time } from '../../ui/format.js';
import { Badge, Loaded, Panel } from '../../ui/states.js';
import { StaffMessageItem } from '../today/staff-messages-panel.js';
import { AnalysisPanel, CostPanel } from './analysis-panel.js';
import { RecordingPanel, type PlayerControl } from './recording-player.js';
import { lineAt, lineSpans, placeInRecording, recordingEndMs, type LineSpan, type Recording } from './recording-time-line.js';
import { TextReply } from './text-reply.js';
import { timeline, type TimelineItem } from './timeline-entry.js';

const ROLE_LABEL: Record<string, string> = { customer: 'Patient', assistant: 'Receptionist', staff: 'Staff' };
const ROLE_CLASS: Record<string, string> = { customer: 'turn-patient', assistant: 'turn-receptionist', staff: 'turn-staff' };

/** One call or text thread: the timeline, the reading of it, what it booked and cost, and what staff can do. */
export function ConversationPage({ id }: { id: string }) {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/conversations/{id}', { params: { path: { id } } })), [id]);
  useLiveReload(['conversation_timeline', 'conversations'], state.reload, id);
  const messages = useLoad(async () => dataOf(await api.GET('/api/v1/messages-for-staff', { params: { query: { handled: 'false' } } })).data, []);
  useLiveReload(['staff_messages'], messages.reload);
  const mine = (messages.data ?? []).filter((m) => m.conversationId === id);
  const player = useRef<PlayerControl | undefined>(undefined);
  const [playhead, setPlayhead] = useState<number | undefined>(undefined);

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
              <div>
                {c.channel === 'voice' && <RecordingPanel recording={detail.recording} control={player} onPlayhead={setPlayhead} />}
                <Panel title={c.channel === 'voice' ? 'Transcript' : 'Texts'} id="transcript">
                  <Timeline items={timeline(detail)} recording={c.channel === 'voice' ? detail.recording : undefined} playhead={playhead} player={player} />
                  {c.channel === 'sms' && <TextReply id={id} paused={c.aiPaused} onSent={state.reload} />}
                </Panel>
              </div>
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

/**
 * The turns and events in order. With a recording, the turn under the play head is marked (and
 * kept in view, without taking focus), and a turn's time plays the recording from there: a click
 * anywhere on the turn, or Enter on its time.
 */
function Timeline({
  items,
  recording,
  playhead,
  player,
}: {
  items: TimelineItem[];
  recording: Recording | undefined;
  playhead: number | undefined;
  player: { current: PlayerControl | undefined };
}) {
  const parts = recording?.exists ? recording.legs : [];
  const spans: LineSpan[] = useMemo(() => (parts.length > 0 ? lineSpans(items, recordingEndMs(parts)) : []), [items, parts]);
  const current = playhead === undefined ? undefined : lineAt(spans, playhead);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (current === undefined) return;
    const line = list.current?.querySelector<HTMLElement>(`[data-seq="${current}"]`);
    const reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    line?.scrollIntoView({ block: 'nearest', behavior: reduced ? 'auto' : 'smooth' });
  }, [current]);

  if (items.length === 0) return <p class="state">Nothing has been said yet.</p>;
  return (
    <ol class="timeline" aria-label="Timeline" ref={list}>
      {items.map((item) => {
        if (item.kind === 'event')
          return (
            <li key={`e${item.seq}`} class={`event ${item.problem ? 'event-error' : ''}`}>
              <strong>{item.text}</strong>
              {item.detail && <span> — {item.detail}</span>} <time dateTime={item.at}>{time(item.at)}</time>
            </li>
          );
        const place = parts.length > 0 ? placeInRecording(parts, Date.parse(item.at)) : undefined;
        const who = ROLE_LABEL[item.role] ?? item.role;
        const playFrom = () => player.current?.playFrom(Date.parse(item.at));
        const isCurrent = item.seq === current;
        return (
          <li
            key={`t${item.seq}`}
            data-seq={item.seq}
            class={`turn ${ROLE_CLASS[item.role] ?? ''}${place ? ' turn-playable' : ''}${isCurrent ? ' turn-current' : ''}`}
            aria-current={isCurrent ? 'true' : undefined}
            onClick={place ? () => window.getSelection()?.isCollapsed !== false && playFrom() : undefined}
          >
            <div class="turn-meta">
              <strong>{who}</strong>
              <time dateTime={item.at}>{time(item.at)}</time>
              {place && (
                <button type="button" class="turn-seek" aria-label={`Play the recording from ${duration(Math.floor(place.offsetMs / 1000))}: ${who}`}>
                  <span aria-hidden="true">▶</span> {duration(Math.floor(place.offsetMs / 1000))}
                </button>
              )}
              {item.interrupted && <span>(cut off)</span>}
              {isCurrent && <span class="turn-now">playing</span>}
            </div>
            <p>{item.text}</p>
          </li>
        );
      })}
    </ol>
  );
}
