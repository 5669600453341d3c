import { api, dataOf } from '../../api/client.js';
import type { Me } from '../../app/session.js';
import { useLoad } from '../../app/use-load.js';
import { Loaded } from '../../ui/states.js';
import { ApiKeysSection } from './api-keys-section.js';
import { AuditLogSection } from './audit-log-section.js';
import { CalendarSection } from './calendar-section.js';
import { CatalogSection } from './catalog-section.js';
import { HoursSection } from './hours-section.js';
import { LanguagesSection } from './languages-section.js';
import { ProviderSection } from './provider-section.js';
import { RecordingSection } from './recording-section.js';
import { RoutingSection } from './routing-section.js';
import { SpaDetailsSection } from './spa-details-section.js';
import { PeopleSection } from './people-section.js';
import { BookingRulesSection, BudgetSection, PersonaSection, VoiceSection } from './receptionist-sections.js';
import { SessionsSection } from './sessions-section.js';

const SECTIONS = [
  ['persona', 'Persona'],
  ['voice', 'Voice'],
  ['hours', 'Hours'],
  ['catalog', 'Services'],
  ['booking-rules', 'Booking rules'],
  ['budget-setting', 'Budget'],
  ['calendar', 'Calendar'],
  ['spa', 'Spa details'],
  ['routing', 'Who answers'],
  ['languages', 'Languages'],
  ['recording', 'Recordings'],
  ['provider', 'Speech model'],
  ['api-keys', 'API keys'],
  ['people', 'People'],
  ['my-sessions', 'Your sessions'],
  ['audit-log', 'Audit log'],
] as const;

/** Everything an owner runs the receptionist with; each section saves on its own. */
export function SettingsPage({ me }: { me: Me }) {
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/settings')), []);
  return (
    <Loaded state={state} what="Loading the settings">
      {(settings) => {
        const onSaved = () => state.reload();
        return (
          <>
            <nav aria-label="Settings sections" class="settings-nav">
              {SECTIONS.map(([id, label]) => (
                <a key={id} class="button button-small" href={`#${id}-heading`}>
                  {label}
                </a>
              ))}
            </nav>
            <PersonaSection settings={settings} onSaved={onSaved} />
            <VoiceSection settings={settings} onSaved={onSaved} />
            <HoursSection settings={settings} onSaved={onSaved} />
            <CatalogSection settings={settings} onSaved={onSaved} />
            <BookingRulesSection settings={settings} onSaved={onSaved} />
            <BudgetSection settings={settings} onSaved={onSaved} />
            <CalendarSection settings={settings} />
            <SpaDetailsSection settings={settings} onSaved={onSaved} />
            <RoutingSection settings={settings} onSaved={onSaved} />
            <LanguagesSection settings={settings} onSaved={onSaved} />
            <RecordingSection settings={settings} onSaved={onSaved} />
            <ProviderSection settings={settings} onSaved={onSaved} />
            <ApiKeysSection />
            <PeopleSection me={me} />
            <SessionsSection me={me} />
            <AuditLogSection timeZone={settings.timezone} />
          </>
        );
      }}
    </Loaded>
  );
}
