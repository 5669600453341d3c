import { api, dataOf } from '../../api/client.js';
import { useLiveReload } from '../../app/live.js';
import type { Me } from '../../app/session.js';
import { useLoad } from '../../app/use-load.js';
import { isoDay } from '../../ui/format.js';
import { BudgetPanel } from './budget-panel.js';
import { FollowUpsPanel } from './follow-ups-panel.js';
import { LiveCallsPanel } from './live-calls-panel.js';
import { StaffMessagesPanel } from './staff-messages-panel.js';
import { TodaysAppointmentsPanel } from './todays-appointments-panel.js';

/** The front desk's day on one screen; every panel updates itself from the live events. */
export function TodayPage({ me }: { me: Me }) {
  const today = isoDay();
  const live = useLoad(async () => dataOf(await api.GET('/api/v1/calls/live')).data, []);
  useLiveReload(['live_calls', 'conversation_timeline'], live.reload);
  const messages = useLoad(async () => dataOf(await api.GET('/api/v1/messages-for-staff', { params: { query: { handled: 'false' } } })).data, []);
  useLiveReload(['staff_messages'], messages.reload);
  const appointments = useLoad(
    async () => dataOf(await api.GET('/api/v1/appointments', { params: { query: { from: today, to: today } } })).data,
    [today],
  );
  useLiveReload(['appointments'], appointments.reload);
  const followUps = useLoad(
    async () => dataOf(await api.GET('/api/v1/conversations', { params: { query: { followUpNeeded: 'true', limit: 8 } } })).data,
    [],
  );
  useLiveReload(['conversations'], followUps.reload);

  return (
    <div class="grid grid-2">
      <LiveCallsPanel state={live} />
      <StaffMessagesPanel state={messages} />
      <TodaysAppointmentsPanel state={appointments} />
      <div>
        <FollowUpsPanel state={followUps} />
        {me.role === 'owner' && <BudgetPanel />}
      </div>
    </div>
  );
}
