import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A ref to an element that takes the keyboard whenever `when` becomes something truthy: a
 * confirmation that just opened, or the line saying what was done once the button that had the
 * keyboard is gone.
 */
export function useFocusWhen<T extends HTMLElement>(when: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (when) ref.current?.focus();
  }, [when]);
  return ref;
}

/**
 * The second step of a change that cannot be taken back: the question (what it does), anything to
 * choose with it, the button that does it (which takes the keyboard when the step opens) and a
 * way back.
 */
export function ConfirmStep(props: {
  label: string;
  question: ComponentChildren;
  confirm: string;
  busyText: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  cancelText?: string;
  style?: string;
  /** False for a change that can be changed back (moving an appointment): the button is not red. */
  danger?: boolean;
  /** False when a field among the children takes the keyboard instead (something to fill in first). */
  focusConfirm?: boolean;
  children?: ComponentChildren;
}) {
  const button = useFocusWhen<HTMLButtonElement>(props.focusConfirm ?? true);
  return (
    <div class="row-actions confirm" role="group" aria-label={props.label} style={props.style}>
      <span>{props.question}</span>
      {props.children}
      <button
        type="button"
        class={`button button-small${props.danger === false ? ' button-primary' : ' button-danger'}`}
        ref={button}
        disabled={props.busy}
        onClick={props.onConfirm}
      >
        {props.busy ? props.busyText : props.confirm}
      </button>
      <button type="button" class="button button-small" onClick={props.onCancel}>
        {props.cancelText ?? 'Cancel'}
      </button>
    </div>
  );
}
