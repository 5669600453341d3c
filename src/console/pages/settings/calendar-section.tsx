import { useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import type { Settings } from '../../api/types.js';
import { ErrorNote, Panel } from '../../ui/states.js';

/** Which calendar bookings go into, and connecting Google Calendar with the owner's own consent. */
export function CalendarSection({ settings }: { settings: Settings }) {
  const [calendarId, setCalendarId] = useState(settings.calendar.type === 'google' ? settings.calendar.calendarId : 'primary');
  const [error, setError] = useState<Error>();
  async function connect(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      const link = dataOf(await api.GET('/api/v1/google/oauth/start', { params: { query: { calendarId } } }));
      window.location.assign(link.authorizationUrl);
    } catch (e) {
      setError(e as Error);
    }
  }
  return (
    <Panel title="Google Calendar" id="calendar">
      <p style="margin-top:0">
        {settings.calendar.type === 'google' ? (
          <>
            Bookings go into Google Calendar <strong>{settings.calendar.calendarId}</strong> (connected with {settings.calendar.auth === 'oauth' ? 'an owner’s consent' : 'a service account'}).
          </>
        ) : (
          'Bookings go into the built-in calendar. Connect Google Calendar to book into the spa’s own.'
        )}
      </p>
      <form class="filters" onSubmit={connect}>
        <label class="field">
          <span>Calendar id</span>
          <input value={calendarId} onInput={(e) => setCalendarId(e.currentTarget.value)} required />
        </label>
        <button type="submit" class="button button-primary">
          {settings.calendar.type === 'google' ? 'Reconnect Google Calendar' : 'Connect Google Calendar'}
        </button>
      </form>
      {error && <ErrorNote error={error} />}
    </Panel>
  );
}
