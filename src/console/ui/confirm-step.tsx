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
  children?: ComponentChildren;
}) {
  const button = useFocusWhen<HTMLButtonElement>(true);
  return (
    <div class="row-actions confirm" role="group" aria-label={props.label} style={props.style}>
      <span>{props.question}</span>
      {props.children}
      <button type="button" class="button button-small button-danger" ref={button} disabled={props.busy} onClick={props.onConfirm}>
        {props.busy ? props.busyText : props.confirm}
      </button>
      <button type="button" class="button button-small" onClick={props.onCancel}>
        {props.cancelText ?? 'Cancel'}
      </button>
    </div>
  );
}
