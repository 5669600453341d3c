import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Table types for Kysely, matching migrations/. JSON columns are typed loosely here and parsed with zod where read. */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | T, string | T>;
// numeric columns come back from pg as strings to keep their precision.
type Numeric = ColumnType<string, string | number, string | number>;

export type ConversationChannel = 'voice' | 'sms';
export type ConversationStatus = 'active' | 'completed' | 'transferred' | 'failed' | 'abandoned';
export type MessageRole = 'customer' | 'assistant' | 'staff' | 'system';
export type AppointmentStatus = 'pending' | 'confirmed' | 'cancelled' | 'completed' | 'no_show';
export type ApiKeyRole = 'owner' | 'staff';
/** A person's role; the same names as API keys' roles (what each may do is decided in src/http/roles.ts). */
export type StaffRole = 'owner' | 'staff';
/** Who decided a conversation's outcome: a tool as it happened, the summary model, or a rule. */
export type OutcomeSource = 'tool' | 'model' | 'rule';

export interface SpasTable {
  id: Generated<string>;
  slug: string;
  name: string;
  address: string;
  timezone: string;
  website: string | null;
  transfer_number: string | null;
  persona: Json<unknown>;
  hours: Json<unknown>;
  settings: Json<unknown>;
  calendar: Json<unknown>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SpaPhoneNumbersTable {
  phone: string;
  spa_id: string;
  label: string | null;
}

export interface ServicesTable {
  id: Generated<string>;
  spa_id: string;
  slug: string;
  name: string;
  description: string;
  duration_minutes: number;
  price_cents: number | null;
  price_note: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ProvidersTable {
  id: Generated<string>;
  spa_id: string;
  slug: string;
  name: string;
  title: string;
  bio: string | null;
  hours: Json<unknown> | null;
  calendar_id: string | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ProviderServicesTable {
  provider_id: string;
  service_id: string;
}

export interface CustomersTable {
  id: Generated<string>;
  spa_id: string;
  phone: string;
  name: string | null;
  email: string | null;
  notes: string | null;
  sms_opted_out_at: Timestamp | null;
  /** ISO 639-1; null until a call, a text or staff tell us. */
  preferred_language: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** Set when the patient was erased on request: the row stays (appointments point at it) without personal data. */
  erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ConversationsTable {
  id: Generated<string>;
  spa_id: string;
  customer_id: string | null;
  channel: ConversationChannel;
  status: ColumnType<ConversationStatus, ConversationStatus | undefined, ConversationStatus>;
  outcome: string | null;
  summary: string | null;
  satisfaction: number | null;
  cost_usd: Numeric | null;
  ai_paused: Generated<boolean>;
  started_at: Timestamp;
  last_activity_at: Timestamp;
  ended_at: Timestamp | null;
  outcome_source: OutcomeSource | null;
  satisfaction_reason: string | null;
  services: ColumnType<string[], string[] | undefined, string[]>;
  questions: ColumnType<string[], string[] | undefined, string[]>;
  follow_up_needed: boolean | null;
  analysed_at: Timestamp | null;
  analysis_input_hash: string | null;
  analysis_error: string | null;
  /** ISO 639-1: the language the conversation was held in; null while unknown. */
  language: string | null;
  summary_search: ColumnType<string, never, never>;
  /** Held on the console's test line: kept out of analytics, cost rollups and follow-up texts. */
  is_test: Generated<boolean>;
  /** Retention removed the transcript (messages and events) at this time. */
  transcript_deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface MessagesTable {
  id: Generated<string>;
  conversation_id: string;
  seq: number;
  role: MessageRole;
  text: string;
  interrupted: Generated<boolean>;
  spoken_at: Timestamp;
  created_at: CreatedAt;
  search: ColumnType<string, never, never>;
}

export interface VoiceCallDetailsTable {
  conversation_id: string;
  call_sid: string;
  stream_sid: string | null;
  from_number: string | null;
  to_number: string;
  twilio_status: string;
  stream_started_at: Timestamp | null;
  ended_at: Timestamp | null;
  duration_seconds: number | null;
  ended_by: string | null;
  transferred_to: string | null;
  greeting_latency_ms: number | null;
  reply_latency_p50_ms: number | null;
  reply_latency_max_ms: number | null;
  reply_latency_p95_ms: ColumnType<number | null, number | null | undefined, number | null>;
  /** Replies the caller talked over (null for calls recorded before it was counted). */
  barge_ins: ColumnType<number | null, number | null | undefined, number | null>;
  /** Which way the call went (see call-route-repository.ts); null for calls before routes were kept. */
  route: ColumnType<string | null, string | null | undefined, string | null>;
  /** How the front desk's ringing ended (Twilio's DialCallStatus), when it rang. */
  front_desk_dial_status: ColumnType<string | null, string | null | undefined, string | null>;
  front_desk_ring_seconds: ColumnType<number | null, number | null | undefined, number | null>;
  reply_latencies_ms: ColumnType<number[], number[] | undefined, number[]>;
  model: string | null;
  usage: Json<unknown>;
  cost_usd: Numeric | null;
}

export interface ConversationStreamsTable {
  conversation_id: string;
  stream_sid: string;
  /** The stream's own sequence numbers start after this place in the conversation. */
  base_seq: number;
  created_at: CreatedAt;
}

export interface StreamTokenRedemptionsTable {
  /** The stream token's nonce: each token lets one stream in, on whichever machine. */
  nonce: string;
  call_sid: string;
  conversation_id: string;
  /** 'new': the call's first stream (one per CallSid); 'resume': back after an unanswered transfer. */
  leg: 'new' | 'resume';
  /** Random per redemption, so the same write applied twice is recognised as itself. */
  claim_id: string;
  stream_sid: string;
  machine_id: string;
  expires_at: Timestamp;
  redeemed_at: CreatedAt;
}

/** Failed authentications per (kind, key) in the current window, shared by every machine. */
export interface AuthFailureCountersTable {
  /** SHA-256 (hex) of the kind and the key: never the email or address itself. */
  key_hash: string;
  failures: number;
  window_started_at: Timestamp;
  window_ends_at: Timestamp;
}

export interface SmsDetailsTable {
  message_id: string;
  message_sid: string;
  direction: 'inbound' | 'outbound';
  delivery_status: string | null;
  error_code: string | null;
  num_segments: number | null;
  media: Json<unknown>;
}

export interface ConversationEventsTable {
  id: Generated<string>;
  conversation_id: string;
  seq: number;
  type: string;
  name: string | null;
  data: Json<unknown>;
  created_at: Timestamp;
}

export interface AppointmentsTable {
  id: Generated<string>;
  spa_id: string;
  customer_id: string;
  provider_id: string;
  service_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  status: ColumnType<AppointmentStatus, AppointmentStatus | undefined, AppointmentStatus>;
  calendar_event_id: string | null;
  source_conversation_id: string | null;
  notes: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  cancelled_at: Timestamp | null;
}

export interface StaffMessagesTable {
  id: Generated<string>;
  spa_id: string;
  conversation_id: string | null;
  customer_id: string | null;
  caller_name: string;
  callback_number: string | null;
  reason: string;
  recording_sid: string | null;
  recording_url: string | null;
  recording_seconds: number | null;
  handled_at: Timestamp | null;
  handled_by: string | null;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  spa_id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  key_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface LocalCalendarEventsTable {
  calendar_id: string;
  id: string;
  status: 'confirmed' | 'cancelled';
  summary: string;
  description: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  appointment_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface GoogleCredentialsTable {
  spa_id: string;
  kind: 'oauth_refresh_token' | 'service_account';
  secret: string;
  account_email: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface OAuthStatesTable {
  state: string;
  spa_id: string;
  calendar_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
  /** The owner's one-time sign-in link; opening it binds the flow to that browser. */
  ticket: string | null;
  opened_at: Timestamp | null;
  /** The refresh token waiting for the owner's confirmation, sealed with ENCRYPTION_KEY. */
  pending_secret: string | null;
  account_email: string | null;
}

export interface LiveCallsTable {
  call_sid: string;
  conversation_id: string;
  spa_id: string;
  machine_id: string;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
}

export interface SmsSendsTable {
  idempotency_key: string;
  spa_id: string;
  customer_id: string | null;
  purpose: string;
  status: 'sending' | 'sent' | 'failed' | 'skipped';
  message_sid: string | null;
  detail: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** Counters and costs a conversation contributes to its spa-local day (same columns in both usage tables). */
export interface UsageFigures {
  conversations: number;
  calls: number;
  text_threads: number;
  texts_in: number;
  texts_out: number;
  sms_segments: number;
  voice_seconds: number;
  voice_billed_minutes: number;
  tool_calls: number;
  bookings: number;
  satisfaction_sum: number;
  satisfaction_count: number;
  unhappy: number;
  follow_ups: number;
  /** Replies the caller talked over. */
  barge_ins: number;
  cost_realtime_audio_in_usd: Numeric;
  cost_realtime_audio_out_usd: Numeric;
  cost_realtime_cached_input_usd: Numeric;
  cost_realtime_text_usd: Numeric;
  cost_transcription_usd: Numeric;
  cost_text_replies_usd: Numeric;
  cost_summary_usd: Numeric;
  cost_twilio_voice_usd: Numeric;
  cost_twilio_sms_usd: Numeric;
  cost_total_usd: Numeric;
  cost_voice_usd: Numeric;
  cost_sms_usd: Numeric;
}

export interface ConversationUsageTable extends UsageFigures {
  conversation_id: string;
  reply_latencies_ms: ColumnType<number[], number[] | undefined, number[]>;
  /** Stream start → first greeting audio; null for texts and calls that never greeted. */
  greeting_latency_ms: ColumnType<number | null, number | null | undefined, number | null>;
  spa_id: string;
  channel: ConversationChannel;
  /** The spa-local day the conversation started. */
  day: ColumnType<string, string, string>;
  updated_at: Timestamp;
}

export interface DailyUsageTable extends UsageFigures {
  spa_id: string;
  /** Count of reply latencies per 10 ms bucket, index 0 = 0–9 ms … index 500 = 5 s and over. */
  reply_latency_histogram: ColumnType<number[], number[] | undefined, number[]>;
  /** The calls' greeting latencies, bucketed the same way. */
  greeting_latency_histogram: ColumnType<number[], number[] | undefined, number[]>;
  day: ColumnType<string, string, string>;
  updated_at: Timestamp;
}

/** A one-time code texted to a patient's number on file; only its hash is kept. */
export interface CallerVerificationsTable {
  id: Generated<string>;
  spa_id: string;
  conversation_id: string;
  customer_id: string;
  code_hash: string;
  expires_at: Timestamp;
  failed_attempts: Generated<number>;
  verified_at: Timestamp | null;
  created_at: Timestamp;
}

export interface PeopleTable {
  id: Generated<string>;
  spa_id: string;
  /** Lower case. */
  email: string;
  name: string | null;
  role: StaffRole;
  /** Null until the person sets a password (an invite not yet taken, or Google sign-in only). */
  password_hash: string | null;
  disabled_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface StaffSessionsTable {
  id: Generated<string>;
  token_hash: string;
  person_id: string;
  spa_id: string;
  user_agent: string | null;
  address: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface StaffInvitesTable {
  id: Generated<string>;
  spa_id: string;
  email: string;
  role: StaffRole;
  name: string | null;
  token_hash: string;
  /** `person:<id>` or `key:<id>`. */
  invited_by: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  person_id: string | null;
  created_at: CreatedAt;
}

export interface AuditEventsTable {
  id: Generated<string>;
  spa_id: string | null;
  at: Timestamp;
  actor_type: 'person' | 'key' | 'anonymous' | 'cli';
  actor_id: string | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  address: string | null;
  detail: Json<Record<string, unknown>>;
}

export type RecordingStatus = 'recording' | 'complete' | 'failed' | 'declined';

/** One recorded stream of a call; its audio is in the recording store under `object_prefix`. */
export interface RecordingsTable {
  id: string;
  conversation_id: string;
  spa_id: string;
  stream_sid: string;
  object_prefix: string;
  status: RecordingStatus;
  format: string;
  channels: number;
  key_fingerprint: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  duration_ms: number | null;
  audio_bytes: ColumnType<string | null, number | null | undefined, number | null>;
  failure: string | null;
  created_at: CreatedAt;
}

export type DeletionReason = 'retention' | 'erasure';
export type DeletionKind = 'recording' | 'transcript' | 'text_thread' | 'patient';

/** What retention and erasure deleted, kept after the data itself is gone. */
export interface DataDeletionsTable {
  id: Generated<string>;
  spa_id: string;
  reason: DeletionReason;
  kind: DeletionKind;
  conversation_id: string | null;
  customer_id: string | null;
  detail: Json<unknown>;
  deleted_at: Timestamp;
}

export interface Database {
  recordings: RecordingsTable;
  data_deletions: DataDeletionsTable;
  audit_events: AuditEventsTable;
  people: PeopleTable;
  staff_sessions: StaffSessionsTable;
  staff_invites: StaffInvitesTable;
  caller_verifications: CallerVerificationsTable;
  conversation_usage: ConversationUsageTable;
  daily_usage: DailyUsageTable;
  sms_sends: SmsSendsTable;
  live_calls: LiveCallsTable;
  local_calendar_events: LocalCalendarEventsTable;
  google_credentials: GoogleCredentialsTable;
  oauth_states: OAuthStatesTable;
  spas: SpasTable;
  spa_phone_numbers: SpaPhoneNumbersTable;
  services: ServicesTable;
  providers: ProvidersTable;
  provider_services: ProviderServicesTable;
  customers: CustomersTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  voice_call_details: VoiceCallDetailsTable;
  conversation_streams: ConversationStreamsTable;
  stream_token_redemptions: StreamTokenRedemptionsTable;
  auth_failure_counters: AuthFailureCountersTable;
  sms_details: SmsDetailsTable;
  conversation_events: ConversationEventsTable;
  appointments: AppointmentsTable;
  staff_messages: StaffMessagesTable;
  api_keys: ApiKeysTable;
}

export type Spa = Selectable<SpasTable>;
export type NewSpa = Insertable<SpasTable>;
export type SpaUpdate = Updateable<SpasTable>;
export type Service = Selectable<ServicesTable>;
export type Provider = Selectable<ProvidersTable>;
export type Customer = Selectable<CustomersTable>;
export type Conversation = Selectable<ConversationsTable>;
export type Message = Selectable<MessagesTable>;
export type VoiceCallDetails = Selectable<VoiceCallDetailsTable>;
export type Appointment = Selectable<AppointmentsTable>;
