import type { Settings } from '../../api/types.js';
import { number, SettingsSection, text } from './save-form.js';

/** Services (name, length, price) and providers (name, title, what they perform), edited in place. */
export function CatalogSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  return (
    <SettingsSection
      title="Services and providers"
      id="catalog"
      onSaved={onSaved}
      patch={(f) => ({
        services: s.services.map((svc) => ({
          slug: svc.slug,
          name: text(f, `service-${svc.slug}-name`),
          description: svc.description,
          durationMinutes: number(f, `service-${svc.slug}-minutes`),
          priceCents: text(f, `service-${svc.slug}-price`) ? Math.round(number(f, `service-${svc.slug}-price`) * 100) : null,
          priceNote: svc.priceNote,
          active: f.get(`service-${svc.slug}-active`) === 'on',
        })),
        providers: s.providers.map((p) => ({
          slug: p.slug,
          name: text(f, `provider-${p.slug}-name`),
          title: text(f, `provider-${p.slug}-title`),
          hours: p.hours,
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
            {s.services.map((svc) => (
              <tr key={svc.slug}>
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
              </tr>
            ))}
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
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </SettingsSection>
  );
}
