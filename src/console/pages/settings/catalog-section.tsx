import { useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { ProviderHours, providerWeeksOf } from './provider-hours.js';
import { number, SettingsSection, text } from './save-form.js';

/** Services (name, length, price, what is said about them) and providers (name, title, what they perform, when), edited in place. */
export function CatalogSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  // A provider's own Google calendar only means something when bookings go to Google Calendar.
  const google = s.calendar.type === 'google';
  const [weeks, setWeeks] = useState(() => providerWeeksOf(s));
  return (
    <SettingsSection
      title="Services and providers"
      id="catalog"
      onSaved={onSaved}
      patch={(f) => ({
        services: s.services.map((svc) => ({
          slug: svc.slug,
          name: text(f, `service-${svc.slug}-name`),
          description: text(f, `service-${svc.slug}-description`),
          durationMinutes: number(f, `service-${svc.slug}-minutes`),
          priceCents: text(f, `service-${svc.slug}-price`) ? Math.round(number(f, `service-${svc.slug}-price`) * 100) : null,
          priceNote: text(f, `service-${svc.slug}-price-note`) || null,
          active: f.get(`service-${svc.slug}-active`) === 'on',
        })),
        providers: s.providers.map((p) => ({
          slug: p.slug,
          name: text(f, `provider-${p.slug}-name`),
          title: text(f, `provider-${p.slug}-title`),
          hours: weeks[p.slug] ?? null,
          ...(google ? { calendarId: text(f, `provider-${p.slug}-calendar`) || null } : {}),
          services: s.services.filter((svc) => f.get(`provider-${p.slug}-does-${svc.slug}`) === 'on').map((svc) => svc.slug),
        })),
      })}
    >
      <div class="table-wrap">
        <table>
          <caption class="muted" style="text-align:left">
            Services
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Minutes</th>
              <th scope="col">Price ($)</th>
              <th scope="col">Offered</th>
            </tr>
          </thead>
          <tbody>
            {s.services.map((svc) => [
              <tr key={svc.slug} class="service-row">
                <td>
                  <input name={`service-${svc.slug}-name`} aria-label={`${svc.name}: name`} defaultValue={svc.name} required style="width:100%" />
                </td>
                <td>
                  <input name={`service-${svc.slug}-minutes`} aria-label={`${svc.name}: minutes`} type="number" min={5} max={480} defaultValue={String(svc.durationMinutes)} style="width:90px" />
                </td>
                <td>
                  <input name={`service-${svc.slug}-price`} aria-label={`${svc.name}: price in dollars`} type="number" min={0} step="0.01" defaultValue={svc.priceCents === null ? '' : String(svc.priceCents / 100)} style="width:110px" />
                </td>
                <td>
                  <input type="checkbox" name={`service-${svc.slug}-active`} aria-label={`${svc.name}: offered`} defaultChecked={svc.active !== false} />
                </td>
              </tr>,
              <tr key={`${svc.slug}-details`} class="service-details">
                <td colSpan={4}>
                  <div class="service-details-grid">
                    <label class="field">
                      <span>{svc.name}: what the receptionist says about it</span>
                      <textarea name={`service-${svc.slug}-description`} defaultValue={svc.description} required maxLength={600} rows={2} />
                    </label>
                    <label class="field">
                      <span>{svc.name}: price note (optional)</span>
                      <input name={`service-${svc.slug}-price-note`} defaultValue={svc.priceNote ?? ''} maxLength={200} placeholder="e.g. from $150, per area" />
                    </label>
                  </div>
                </td>
              </tr>,
            ])}
          </tbody>
        </table>
      </div>
      <div class="table-wrap" style="margin-top:16px">
        <table>
          <caption class="muted" style="text-align:left">
            Providers
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Title</th>
              <th scope="col">Performs</th>
              {google && <th scope="col">Own Google calendar (optional)</th>}
            </tr>
          </thead>
          <tbody>
            {s.providers.map((p) => (
              <tr key={p.slug}>
                <td>
                  <input name={`provider-${p.slug}-name`} aria-label={`${p.name}: name`} defaultValue={p.name} required />
                </td>
                <td>
                  <input name={`provider-${p.slug}-title`} aria-label={`${p.name}: title`} defaultValue={p.title} required />
                </td>
                <td>
                  <fieldset style="border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:4px 12px">
                    <legend class="skip-link">{p.name} performs</legend>
                    {s.services.map((svc) => (
                      <label class="check" key={svc.slug} style="font-size:13.5px">
                        <input type="checkbox" name={`provider-${p.slug}-does-${svc.slug}`} defaultChecked={p.services.includes(svc.slug)} />
                        {svc.name}
                      </label>
                    ))}
                  </fieldset>
                </td>
                {google && (
                  <td>
                    <input name={`provider-${p.slug}-calendar`} aria-label={`${p.name}: own Google calendar id (empty: the spa's)`} defaultValue={p.calendarId ?? ''} placeholder="the spa's" maxLength={300} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ProviderHours settings={s} weeks={weeks} onChange={setWeeks} />
    </SettingsSection>
  );
}
