import { useEffect, useRef, useState } from 'preact/hooks';
import type { Settings } from '../../api/types.js';
import { ProviderHours, providerWeeksOf } from './provider-hours.js';
import { number, SettingsSection, text } from './save-form.js';

/** A row added on this page and not saved yet: its fields are named after `key` until it has a slug. */
interface NewRow {
  key: string;
  label: string;
}

/**
 * A slug for a new service or provider, from its name ("Lip filler" → "lip-filler"), made
 * unique among those already taken ("-2", "-3"…). Slugs are how the API upserts them.
 */
export function slugFor(name: string, taken: ReadonlySet<string>): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'item';
  let slug = base;
  for (let n = 2; taken.has(slug); n += 1) slug = `${base}-${n}`;
  return slug;
}

const priceOf = (f: FormData, name: string) => (text(f, name) ? Math.round(number(f, name) * 100) : null);

/**
 * Services (name, length, price, what is said about them, offered) and providers (name, title,
 * what they perform, bookable, when), edited in place; new ones are added as rows and saved with
 * the rest. Nothing is deleted: a service no longer offered or a provider who left is switched
 * off and stays listed, so their appointments keep their names and they can be switched back on.
 */
export function CatalogSection({ settings: s, onSaved }: { settings: Settings; onSaved: (s: Settings) => void }) {
  // A provider's own Google calendar only means something when bookings go to Google Calendar.
  const google = s.calendar.type === 'google';
  const [weeks, setWeeks] = useState(() => providerWeeksOf(s));
  const [newServices, setNewServices] = useState<NewRow[]>([]);
  const [newProviders, setNewProviders] = useState<NewRow[]>([]);
  const counter = useRef(0);
  // The name field of the row just added takes the keyboard.
  const [focusKey, setFocusKey] = useState<string>();
  useEffect(() => {
    if (focusKey) document.querySelector<HTMLInputElement>(`input[name="${focusKey}-name"]`)?.focus();
  }, [focusKey]);

  function add(kind: 'service' | 'provider') {
    counter.current += 1;
    const rows = kind === 'service' ? newServices : newProviders;
    const row = { key: `new-${kind}-${counter.current}`, label: `New ${kind} ${rows.length + 1}` };
    (kind === 'service' ? setNewServices : setNewProviders)([...rows, row]);
    setFocusKey(row.key);
  }

  function patch(f: FormData) {
    const serviceSlugs = new Set(s.services.map((svc) => svc.slug));
    const added = newServices.map((row) => {
      const slug = slugFor(text(f, `${row.key}-name`), serviceSlugs);
      serviceSlugs.add(slug);
      return { ...row, slug };
    });
    // Saved services' fields are named by slug, new ones' by their row key.
    const service = (field: string, svc: { slug: string; key?: string }) => `${svc.key ?? `service-${svc.slug}`}-${field}`;
    const allServices: { slug: string; key?: string }[] = [...s.services, ...added];
    const providerSlugs = new Set(s.providers.map((p) => p.slug));
    const providerFields = (prefix: string) => ({
      name: text(f, `${prefix}-name`),
      title: text(f, `${prefix}-title`),
      ...(google ? { calendarId: text(f, `${prefix}-calendar`) || null } : {}),
      // New services are not listed here until saved, so only the saved ones can be chosen.
      services: s.services.filter((svc) => f.get(`${prefix}-does-${svc.slug}`) === 'on').map((svc) => svc.slug),
      active: f.get(`${prefix}-active`) === 'on',
    });
    return {
      services: allServices.map((svc) => ({
        slug: svc.slug,
        name: text(f, service('name', svc)),
        description: text(f, service('description', svc)),
        durationMinutes: number(f, service('minutes', svc)),
        priceCents: priceOf(f, service('price', svc)),
        priceNote: text(f, service('price-note', svc)) || null,
        active: f.get(service('active', svc)) === 'on',
      })),
      providers: [
        ...s.providers.map((p) => ({ slug: p.slug, hours: weeks[p.slug] ?? null, ...providerFields(`provider-${p.slug}`) })),
        ...newProviders.map((row) => {
          const slug = slugFor(text(f, `${row.key}-name`), providerSlugs);
          providerSlugs.add(slug);
          // A new provider works the spa's hours until their own are set (below, once saved).
          return { slug, hours: null, ...providerFields(row.key) };
        }),
      ],
    };
  }

  const serviceRows = [
    ...s.services.map((svc) => ({ prefix: `service-${svc.slug}`, label: svc.name, svc, row: undefined as NewRow | undefined })),
    ...newServices.map((row) => ({ prefix: row.key, label: row.label, svc: undefined, row })),
  ];

  return (
    <SettingsSection
      title="Services and providers"
      id="catalog"
      onSaved={(saved) => {
        setNewServices([]);
        setNewProviders([]);
        onSaved(saved);
      }}
      hint="Nothing here is deleted: switch off a service you no longer offer or a provider who left, and switch them back on any time."
      patch={patch}
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
            {serviceRows.map(({ prefix, label, svc, row }) => [
              <tr key={prefix} class={`service-row${svc && !svc.active ? ' is-off' : ''}`}>
                <td>
                  <input name={`${prefix}-name`} aria-label={`${label}: name`} defaultValue={svc?.name ?? ''} required maxLength={120} style="width:100%" />
                </td>
                <td>
                  <input name={`${prefix}-minutes`} aria-label={`${label}: minutes`} type="number" min={5} max={480} required defaultValue={svc ? String(svc.durationMinutes) : '30'} style="width:90px" />
                </td>
                <td>
                  <input name={`${prefix}-price`} aria-label={`${label}: price in dollars`} type="number" min={0} step="0.01" defaultValue={svc?.priceCents == null ? '' : String(svc.priceCents / 100)} style="width:110px" />
                </td>
                <td>
                  <input type="checkbox" name={`${prefix}-active`} aria-label={`${label}: offered`} defaultChecked={svc ? svc.active : true} />
                  {row && (
                    <button type="button" class="button button-small" style="margin-left:8px" onClick={() => setNewServices(newServices.filter((r) => r.key !== row.key))}>
                      Remove <span class="skip-link">{label}</span>
                    </button>
                  )}
                </td>
              </tr>,
              <tr key={`${prefix}-details`} class={`service-details${svc && !svc.active ? ' is-off' : ''}`}>
                <td colSpan={4}>
                  <div class="service-details-grid">
                    <label class="field">
                      <span>{label}: what the receptionist says about it</span>
                      <textarea name={`${prefix}-description`} defaultValue={svc?.description ?? ''} required maxLength={600} rows={2} />
                    </label>
                    <label class="field">
                      <span>{label}: price note (optional)</span>
                      <input name={`${prefix}-price-note`} defaultValue={svc?.priceNote ?? ''} maxLength={200} placeholder="e.g. from $150, per area" />
                    </label>
                  </div>
                </td>
              </tr>,
            ])}
          </tbody>
        </table>
      </div>
      <button type="button" class="button button-small" style="margin-top:8px" onClick={() => add('service')}>
        Add a service
      </button>
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
              <th scope="col">Bookable</th>
            </tr>
          </thead>
          <tbody>
            {[
              ...s.providers.map((p) => ({ prefix: `provider-${p.slug}`, label: p.name, p, row: undefined as NewRow | undefined })),
              ...newProviders.map((row) => ({ prefix: row.key, label: row.label, p: undefined, row })),
            ].map(({ prefix, label, p, row }) => (
              <tr key={prefix} class={p && !p.active ? 'is-off' : undefined}>
                <td>
                  <input name={`${prefix}-name`} aria-label={`${label}: name`} defaultValue={p?.name ?? ''} required maxLength={120} />
                </td>
                <td>
                  <input name={`${prefix}-title`} aria-label={`${label}: title`} defaultValue={p?.title ?? ''} required maxLength={200} placeholder={p ? undefined : 'e.g. Nurse injector'} />
                </td>
                <td>
                  <fieldset style="border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:4px 12px">
                    <legend class="skip-link">{label} performs</legend>
                    {s.services.map((svc) => (
                      <label class="check" key={svc.slug} style="font-size:13.5px">
                        <input type="checkbox" name={`${prefix}-does-${svc.slug}`} defaultChecked={p?.services.includes(svc.slug) ?? false} />
                        {svc.name}
                        {!svc.active && <span class="muted"> (not offered)</span>}
                      </label>
                    ))}
                  </fieldset>
                </td>
                {google && (
                  <td>
                    <input name={`${prefix}-calendar`} aria-label={`${label}: own Google calendar id (empty: the spa's)`} defaultValue={p?.calendarId ?? ''} placeholder="the spa's" maxLength={300} />
                  </td>
                )}
                <td>
                  <input type="checkbox" name={`${prefix}-active`} aria-label={`${label}: bookable`} defaultChecked={p ? p.active : true} />
                  {row && (
                    <button type="button" class="button button-small" style="margin-left:8px" onClick={() => setNewProviders(newProviders.filter((r) => r.key !== row.key))}>
                      Remove <span class="skip-link">{label}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" class="button button-small" style="margin-top:8px" onClick={() => add('provider')}>
        Add a provider
      </button>
      {newServices.length > 0 && <p class="field-hint">Save first, then choose which providers perform the new services.</p>}
      <ProviderHours settings={s} weeks={weeks} onChange={setWeeks} />
    </SettingsSection>
  );
}
