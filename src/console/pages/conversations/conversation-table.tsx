import type { ConversationRow } from '../../api/types.js';
import { dayTime, duration, outcome, phone, usd } from '../../ui/format.js';
import { Badge, Empty } from '../../ui/states.js';

export function satisfactionTone(score: number | null): 'good' | 'warn' | 'bad' | 'neutral' {
  if (score === null) return 'neutral';
  return score >= 4 ? 'good' : score === 3 ? 'warn' : 'bad';
}

/** One row per call or text thread: who, when, how long, what came of it, how it felt, what it cost. */
export function ConversationTable({ rows }: { rows: ConversationRow[] }) {
  if (rows.length === 0) return <Empty>No conversations match. Try fewer filters or other words.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Patient</th>
            <th scope="col">When</th>
            <th scope="col" class="hide-phone">
              Channel
            </th>
            <th scope="col" class="num hide-phone">
              Length
            </th>
            <th scope="col">Outcome</th>
            <th scope="col" class="hide-phone">
              Summary
            </th>
            <th scope="col" class="num">
              Satisfaction
            </th>
            <th scope="col" class="num hide-phone">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id}>
              <td>
                <a class="row-link" href={`/console/conversations/${c.id}`}>
                  {c.customerName ?? phone(c.customerPhone)}
                </a>
                {c.isTest && (
                  <>
                    {' '}
                    <Badge tone="info">test call</Badge>
                  </>
                )}
                {c.followUpNeeded && (
                  <>
                    {' '}
                    <Badge tone="warn">follow up</Badge>
                  </>
                )}
              </td>
              <td class="nowrap">{dayTime(c.startedAt)}</td>
              <td class="hide-phone">{c.channel === 'voice' ? 'Call' : 'Text'}</td>
              <td class="num hide-phone">{c.channel === 'voice' ? duration(c.durationSeconds) : `${c.messageCount} texts`}</td>
              <td>{c.status === 'active' ? <Badge tone="info">in progress</Badge> : outcome(c.outcome)}</td>
              <td class="summary hide-phone">{c.summary ?? <span class="muted">—</span>}</td>
              <td class="num">{c.satisfaction === null ? '—' : <Badge tone={satisfactionTone(c.satisfaction)}>{c.satisfaction} / 5</Badge>}</td>
              <td class="num hide-phone">{usd(c.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
