import type { ComponentChildren } from 'preact';

/** Loading, error and empty states: every list and panel shows one of these rather than nothing. */

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </p>
  );
}

export function ErrorNote({ error, retry }: { error: Error; retry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>{error.message}</p>
      {retry && (
        <button type="button" class="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}

/** The usual trio for something loaded: error, first load, empty, else the content. */
export function Loaded<T>(props: {
  state: { data: T | undefined; error: Error | undefined; loading: boolean; reload: () => void };
  empty?: (data: T) => boolean;
  emptyText?: ComponentChildren;
  what?: string;
  children: (data: T) => ComponentChildren;
}) {
  const { data, error, reload } = props.state;
  if (error && data === undefined) return <ErrorNote error={error} retry={reload} />;
  if (data === undefined) return <Loading {...(props.what ? { what: props.what } : {})} />;
  if (props.empty?.(data)) return <Empty>{props.emptyText ?? 'Nothing here yet.'}</Empty>;
  return (
    <>
      {error && <ErrorNote error={error} retry={reload} />}
      {props.children(data)}
    </>
  );
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info'; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

export function Panel({ title, actions, children, id }: { title: string; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return (
    <section class="panel" aria-labelledby={headingId}>
      <header class="panel-header">
        <h2 id={headingId}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
