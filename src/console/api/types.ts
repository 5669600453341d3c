import type { paths } from './schema.js';

/** Names for the answers pages use, all read from the generated OpenAPI types. */

type Json<P extends keyof paths, M extends 'get' | 'post' | 'patch'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type LiveCall = Json<'/api/v1/calls/live', 'get'>['data'][number];
export type StaffMessage = Json<'/api/v1/messages-for-staff', 'get'>['data'][number];
export type ConversationRow = Json<'/api/v1/conversations', 'get'>['data'][number];
export type ConversationDetail = Json<'/api/v1/conversations/{id}', 'get'>;
export type AppointmentRow = Json<'/api/v1/appointments', 'get'>['data'][number];
export type Customer = Json<'/api/v1/customers', 'get'>['data'][number];
export type CustomerTimeline = Json<'/api/v1/customers/{id}', 'get'>;
export type Settings = Json<'/api/v1/settings', 'get'>;
export type SettingsPatch = NonNullable<paths['/api/v1/settings']['patch']['requestBody']>['content']['application/json'];
export type DailyRow = Json<'/api/v1/analytics/daily', 'get'>['data'][number];
export type Usage = Json<'/api/v1/analytics/usage', 'get'>;
export type WeeklyDigest = Json<'/api/v1/analytics/weekly-digest', 'get'>;
export type ApiKey = Json<'/api/v1/api-keys', 'get'>['data'][number];
export type ConversationQuery = NonNullable<paths['/api/v1/conversations']['get']['parameters']['query']>;
