import { useEffect, useRef, useState } from 'preact/hooks';
import { TestLineCall, type ServiceMessage, type TestCaller } from './test-line-call.js';

type Turn = Extract<ServiceMessage, { type: 'turn' }>;

export interface ToolActivity {
  kind: 'tool_call' | 'tool_result';
  name: string;
  data: unknown;
}

export interface TestCallState {
  phase: 'idle' | 'connecting' | 'live' | 'ended';
  /** Why it ended, or why it could not start. */
  ending: string | undefined;
  caller: { number: string; known: boolean; conversationId: string } | undefined;
  turns: Turn[];
  tools: ToolActivity[];
  latenciesMs: number[];
  texts: { purpose: string; body: string }[];
  /** The receptionist's audio: received from the service, and played in this page (ms). */
  receivedMs: number;
  playedMs: number;
}

const IDLE: TestCallState = { phase: 'idle', ending: undefined, caller: undefined, turns: [], tools: [], latenciesMs: [], texts: [], receivedMs: 0, playedMs: 0 };

/** One test call's state as the page shows it, and the two things a person can do. */
export function useTestCall(): { state: TestCallState; call(caller: TestCaller): Promise<void>; hangUp(): void } {
  const [state, setState] = useState<TestCallState>(IDLE);
  const current = useRef<TestLineCall | undefined>(undefined);
  const update = (change: (s: TestCallState) => Partial<TestCallState>) => setState((s) => ({ ...s, ...change(s) }));

  useEffect(() => () => current.current?.hangUp(), []);

  const onMessage = (message: ServiceMessage) => {
    switch (message.type) {
      case 'started':
        return update(() => ({ phase: 'live', caller: { number: message.callerNumber, known: message.knownCaller, conversationId: message.conversationId } }));
      case 'refused':
        return update(() => ({ phase: 'ended', ending: message.message }));
      case 'turn':
        return update((s) => ({ turns: [...s.turns.filter((t) => t.seq !== message.seq), message].sort((a, b) => a.seq - b.seq) }));
      case 'event':
        if (message.kind === 'tool_call' || message.kind === 'tool_result')
          update((s) => ({ tools: [...s.tools, { kind: message.kind as ToolActivity['kind'], name: message.name ?? '', data: message.data }] }));
        return;
      case 'latency':
        return update((s) => ({ latenciesMs: [...s.latenciesMs, message.ms] }));
      case 'text':
        return update((s) => ({ texts: [...s.texts, { purpose: message.purpose, body: message.body }] }));
      case 'ended':
        return update((s) => ({ ending: s.ending ?? describeEnding(message.reason) }));
      default:
        return;
    }
  };

  const call = async (caller: TestCaller) => {
    setState({ ...IDLE, phase: 'connecting' });
    try {
      current.current = await TestLineCall.place(caller, {
        message: onMessage,
        position: (playedMs) => update(() => ({ playedMs })),
        received: (receivedMs) => update(() => ({ receivedMs })),
        closed: (code, reason) => {
          current.current = undefined;
          update((s) => ({ phase: 'ended', ending: s.ending ?? (code === 1000 ? describeEnding(reason) : `The line dropped (${code}${reason ? `: ${reason}` : ''}).`) }));
        },
      });
    } catch (error) {
      const denied = error instanceof DOMException && error.name === 'NotAllowedError';
      update(() => ({ phase: 'ended', ending: denied ? 'The browser did not allow the microphone.' : `Could not start the call: ${String(error)}` }));
    }
  };

  return { state, call, hangUp: () => current.current?.hangUp() };
}

const ENDINGS: Record<string, string> = {
  caller: 'You hung up.',
  assistant: 'The receptionist ended the call.',
  idle: 'The call ended after a long silence.',
  max_length: 'The call reached its maximum length.',
  shutdown: 'The service restarted.',
};

function describeEnding(reason: string): string {
  return ENDINGS[reason] ?? `The call ended (${reason}).`;
}
