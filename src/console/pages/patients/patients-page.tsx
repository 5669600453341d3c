import { useEffect, useState } from 'preact/hooks';
import { api, dataOf } from '../../api/client.js';
import { navigate, useLocation } from '../../app/router.js';
import { useLoad } from '../../app/use-load.js';
import { dayTime, phone } from '../../ui/format.js';
import { Loaded } from '../../ui/states.js';

/** Patients by name or number. */
export function PatientsPage() {
  const location = useLocation();
  const q = location.query.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const state = useLoad(async () => dataOf(await api.GET('/api/v1/customers', { params: { query: { limit: 100, ...(q ? { q } : {}) } } })).data, [q]);
  return (
    <>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(text ? `/patients?q=${encodeURIComponent(text)}` : '/patients', { replace: true });
        }}
      >
        <label class="field" style="flex:1 1 260px">
          <span>Name or phone number</span>
          <input type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <button type="submit" class="button button-primary">
          Search
        </button>
      </form>
      <section class="panel" aria-label="Patients">
        <Loaded state={state} empty={(rows) => rows.length === 0} emptyText={q ? 'No patient matches that name or number.' : 'No patients yet.'}>
          {(rows) => (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Phone</th>
                    <th scope="col" class="hide-phone">
                      Email
                    </th>
                    <th scope="col" class="hide-phone">
                      First contact
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <a class="row-link" href={`/console/patients/${p.id}`}>
                          {p.erasedAt ? 'Erased patient' : (p.name ?? 'Name not known')}
                        </a>
                      </td>
                      <td class="nowrap">{p.erasedAt ? '—' : phone(p.phone)}</td>
                      <td class="hide-phone">{p.email ?? '—'}</td>
                      <td class="hide-phone nowrap">{dayTime(p.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loaded>
      </section>
    </>
  );
}
