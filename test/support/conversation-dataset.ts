import { sql } from 'kysely';
import type { Db } from '../../src/storage/database.js';

/**
 * A spa's history built with SQL in one go: customers, analysed conversations (calls and text
 * threads) `spacingMinutes` apart going back from now, their messages, call records and the daily
 * usage rows. `npm run bench:api` times the API on 100,000 of them; the console screenshots use a
 * month of a few hundred.
 */
export async function buildConversationDataset(
  db: Db,
  spaId: string,
  options: { conversations: number; messagesPerConversation: number; spacingMinutes?: number },
): Promise<void> {
  const n = options.conversations;
  const spacing = options.spacingMinutes ?? 1;
  await sql`
    insert into customers (spa_id, phone, name)
    select ${spaId}, '+1202' || lpad(i::text, 7, '0'),
      (array['Jamie','Alex','Sam','Morgan','Taylor','Jordan','Casey','Riley'])[1 + i % 8] || ' ' ||
      (array['Rivera','Chen','Patel','Smith','Okafor','Garcia','Kim','Nguyen'])[1 + (i / 8) % 8]
    from generate_series(1, ${Math.max(1, Math.floor(n / 5))}) i`.execute(db);
  await sql`
    insert into conversations (spa_id, customer_id, channel, status, outcome, outcome_source, started_at, last_activity_at, ended_at, cost_usd,
      summary, satisfaction, satisfaction_reason, services, questions, follow_up_needed, analysed_at)
    select ${spaId}, c.id,
      case when i % 4 = 0 then 'sms' else 'voice' end,
      (array['completed','completed','completed','transferred','abandoned'])[1 + i % 5],
      (array['booked','question_answered','message_taken','rescheduled','cancelled'])[1 + i % 5],
      'model',
      now() - (i * ${spacing} || ' minutes')::interval, now() - (i * ${spacing} || ' minutes')::interval, now() - (i * ${spacing} || ' minutes')::interval + interval '3 minutes',
      0.05,
      (array[
        E'A patient asked about HydraFacial prices.\nBooked Tuesday morning with Sofia.',
        E'A caller wanted to move a Botox appointment.\nMoved to Thursday afternoon.',
        E'A patient asked whether laser hair removal suits darker skin.\nOffered a free consultation.',
        E'A caller was unhappy about a billing mix-up.\nMessage taken for the front desk.'
      ])[1 + i % 4],
      1 + i % 5, 'Sounded pleased with the answer.',
      array[(array['HydraFacial','Lip filler','Microneedling','Chemical peel'])[1 + i % 4]],
      array[(array['How much is a HydraFacial?','Is lip filler painful?','Do you have Saturday openings?','Where do I park?','Can I pay in installments?'])[1 + i % 5]],
      i % 7 = 0, now()
    from generate_series(1, ${n}) i
    join (select id, row_number() over (order by id) as n from customers where spa_id = ${spaId}) c
      on c.n = 1 + i % ${Math.max(1, Math.floor(n / 5))}`.execute(db);
  await sql`
    insert into messages (conversation_id, seq, role, text, spoken_at)
    select c.id, s, case when s % 2 = 1 then 'assistant' else 'customer' end,
      (array[
        'Thank you for calling Willow and Oak Medical Spa, this is Ava. How can I help you today?',
        'Do you have anything open for a HydraFacial this Saturday morning?',
        'I would like to book Botox with Dr. Chen next week',
        'How much is lip filler and how long does the swelling last?',
        'Can I move my microneedling appointment to Thursday afternoon?',
        'I need to cancel my chemical peel, something came up at work',
        'Is laser hair removal safe for darker skin tones?',
        'You are all set, we will text you a confirmation with the details.'
      ])[1 + ((hashtext(c.id::text) + s) & 7)],
      c.started_at + (s || ' seconds')::interval
    from conversations c, generate_series(1, ${options.messagesPerConversation}) s
    where c.spa_id = ${spaId}`.execute(db);
  await sql`
    insert into voice_call_details (conversation_id, call_sid, to_number, twilio_status, duration_seconds, reply_latencies_ms, greeting_latency_ms, barge_ins)
    select c.id, 'CA' || md5(c.id::text), '+12025550100', 'completed', 180, array[400 + hashtext(c.id::text) % 300, 700, 550],
      800 + hashtext(c.id::text) % 250, (hashtext(c.id::text) & 3) / 3
    from conversations c where c.spa_id = ${spaId} and c.channel = 'voice'`.execute(db);
  // The daily rows the analysis job keeps, summed here in one go for the whole history.
  await sql`
    insert into daily_usage (spa_id, day, conversations, calls, text_threads, voice_seconds, voice_billed_minutes, bookings,
      satisfaction_sum, satisfaction_count, follow_ups, cost_total_usd, cost_voice_usd, cost_sms_usd)
    select c.spa_id, (c.started_at at time zone s.timezone)::date, count(*), count(*) filter (where c.channel = 'voice'),
      count(*) filter (where c.channel = 'sms'), 180 * count(*) filter (where c.channel = 'voice'), 3 * count(*) filter (where c.channel = 'voice'),
      count(*) filter (where c.outcome = 'booked'), sum(c.satisfaction), count(c.satisfaction), count(*) filter (where c.follow_up_needed),
      sum(c.cost_usd), sum(c.cost_usd) filter (where c.channel = 'voice'), coalesce(sum(c.cost_usd) filter (where c.channel = 'sms'), 0)
    from conversations c join spas s on s.id = c.spa_id where c.spa_id = ${spaId} group by 1, 2`.execute(db);
  await sql`
    update daily_usage d set reply_latency_histogram = usage_latency_histogram(x.latencies, 1)
    from (
      select (c.started_at at time zone s.timezone)::date as day, array_agg(l) as latencies
      from conversations c join spas s on s.id = c.spa_id join voice_call_details v on v.conversation_id = c.id, unnest(v.reply_latencies_ms) l
      where c.spa_id = ${spaId} group by 1) x
    where d.spa_id = ${spaId} and d.day = x.day`.execute(db);
  await sql`
    update daily_usage d set greeting_latency_histogram = usage_latency_histogram(x.latencies, 1), barge_ins = x.barge_ins
    from (
      select (c.started_at at time zone s.timezone)::date as day, array_agg(v.greeting_latency_ms) as latencies, sum(v.barge_ins)::int as barge_ins
      from conversations c join spas s on s.id = c.spa_id join voice_call_details v on v.conversation_id = c.id
      where c.spa_id = ${spaId} group by 1) x
    where d.spa_id = ${spaId} and d.day = x.day`.execute(db);
  // A rare word in a few conversations, to time a selective search too.
  await sql`update messages set text = text || ' (mentions a keloid scar)' where id % 997 = 0`.execute(db);
}
