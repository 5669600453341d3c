import type { ConversationDetail } from '../../api/types.js';
import { duration, phone, words } from '../../ui/format.js';

/** A conversation's turns and events in one order (they share one sequence), with events in plain words. */

export type TimelineItem =
  | { kind: 'turn'; seq: number; at: string; role: string; text: string; interrupted: boolean }
  | { kind: 'event'; seq: number; at: string; text: string; detail: string | undefined; problem: boolean };

type Event = ConversationDetail['events'][number];

const TOOL_NAMES: Record<string, string> = {
  get_spa_info: 'Looked up the spa’s information',
  find_customer: 'Looked up the patient',
  check_availability: 'Checked availability',
  book_appointment: 'Booked an appointment',
  reschedule_appointment: 'Moved an appointment',
  cancel_appointment: 'Cancelled an appointment',
  transfer_to_staff: 'Transferred to the front desk',
  take_message: 'Took a message for staff',
  end_call: 'Ended the call',
};

/** `{service: 'botox', date: '2026-12-03'}` → `service: botox, date: 2026-12-03`. */
function plain(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => plain(v, depth + 1)).join('; ');
  if (depth > 1) return '…';
  return Object.entries(value)
    .filter(([key]) => key !== 'callId')
    .map(([key, v]) => `${words(key.replace(/([A-Z])/g, ' $1').toLowerCase())}: ${plain(v, depth + 1)}`)
    .join(', ');
}

function data(e: Event): Record<string, unknown> {
  return e.data && typeof e.data === 'object' ? (e.data as Record<string, unknown>) : {};
}

function describe(e: Event): { text: string; detail?: string; problem?: boolean } {
  const d = data(e);
  switch (e.type) {
    case 'tool_call':
      return { text: `${TOOL_NAMES[e.name ?? ''] ?? words(e.name ?? 'tool')}…`, detail: plain(d.arguments) };
    case 'tool_result':
      return d.ok === false
        ? { text: `${words(e.name ?? 'tool')} failed`, detail: plain(d.error), problem: true }
        : { text: `${words(e.name ?? 'tool')} answered`, detail: plain(d.result) };
    case 'barge_in':
      return { text: 'The caller talked over the receptionist', detail: typeof d.heardMs === 'number' ? `after ${duration(d.heardMs / 1000)} of the reply` : undefined };
    case 'transfer':
      return { text: `Transferred to ${phone(typeof d.to === 'string' ? d.to : null)}` };
    case 'call_started':
      return { text: 'Call connected' };
    case 'call_ended':
      return { text: `Call ended${e.name ? `: ${words(e.name)}` : ''}`, detail: typeof d.why === 'string' ? d.why : undefined };
    case 'error':
      return { text: `Problem: ${words(e.name ?? 'error')}`, detail: typeof d.message === 'string' ? d.message : undefined, problem: true };
    case 'recording_started':
      return { text: 'Recording started' };
    case 'recording_stopped':
      return { text: e.name === 'caller_declined' ? 'Recording stopped: the caller asked not to be recorded' : 'Recording stopped' };
    case 'tool_call_dropped':
      return { text: `${words(e.name ?? 'tool')} not run (the caller interrupted)` };
    default:
      return { text: `${words(e.type)}${e.name ? `: ${words(e.name)}` : ''}` };
  }
}

/** Usage and cost events are figures, not moments in the conversation. */
const HIDDEN = new Set(['model_usage', 'usage', 'filler', 'reply_cut_off']);

export function timeline(detail: ConversationDetail): TimelineItem[] {
  const items: TimelineItem[] = [
    ...detail.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ kind: 'turn' as const, seq: m.seq, at: m.at, role: m.role, text: m.text, interrupted: m.interrupted })),
    ...detail.events
      .filter((e) => !HIDDEN.has(e.type))
      .map((e) => {
        const d = describe(e);
        return { kind: 'event' as const, seq: e.seq, at: e.at, text: d.text, detail: d.detail, problem: d.problem ?? false };
      }),
  ];
  return items.sort((a, b) => a.seq - b.seq);
}
