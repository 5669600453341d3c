import { useEffect, useRef, useState } from 'preact/hooks';
import { duration } from '../../ui/format.js';
import { Panel } from '../../ui/states.js';
import { partStartMs, placeInRecording, type Recording } from './recording-time-line.js';

/** What the transcript may ask of the player: play from a moment of the call (epoch ms). */
export interface PlayerControl {
  playFrom(atMs: number): void;
}

const SPEEDS = [1, 1.5, 2] as const;

const WHY_NOT: Record<string, string> = {
  off: 'This call was not recorded: call recording was off for the spa when it came in.',
  caller_declined: 'This call is not recorded: the caller asked not to be recorded, so recording stopped and what had been recorded was deleted.',
  failed: 'This call’s recording failed: the recording store could not be written. The transcript is complete.',
  expired: 'This call’s recording was deleted when the spa’s retention period for recordings ran out.',
  erased: 'This call’s recording was erased at the patient’s request.',
};

const clock = (ms: number) => duration(Math.floor(ms / 1000));

/**
 * The call's recording: play and pause, a seek bar, the time, the speed and a download link, on
 * the browser's own audio element (the μ-law WAV the API serves plays natively; see the README).
 * Nothing is fetched until Play (preload none), so opening a conversation is not a play on the
 * audit log. Reports the play head on the call's clock so the transcript can follow it.
 */
export function RecordingPanel({
  recording,
  control,
  onPlayhead,
}: {
  recording: Recording | undefined;
  control: { current: PlayerControl | undefined };
  onPlayhead: (atMs: number) => void;
}) {
  if (!recording) return null;
  if (!recording.exists || recording.legs.length === 0)
    return (
      <Panel title="Recording" id="recording">
        <p class="muted recording-none">{WHY_NOT[recording.reason ?? 'off'] ?? WHY_NOT.off}</p>
      </Panel>
    );
  return (
    <Panel title="Recording" id="recording">
      <Player recording={recording} control={control} onPlayhead={onPlayhead} />
    </Panel>
  );
}

function Player({ recording, control, onPlayhead }: { recording: Recording; control: { current: PlayerControl | undefined }; onPlayhead: (atMs: number) => void }) {
  const parts = recording.legs;
  const audio = useRef<HTMLAudioElement>(null);
  const [partIndex, setPartIndex] = useState(0);
  const [positionMs, setPositionMs] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(1);
  const [failed, setFailed] = useState(false);
  /** A seek asked for before the audio's length is known (nothing loaded yet, or another part loading). */
  const pending = useRef<{ offsetMs: number; play: boolean } | undefined>(undefined);
  const part = parts[Math.min(partIndex, parts.length - 1)] ?? parts[0]!;
  const lengthMs = part.durationMs;

  function report(offsetMs: number) {
    setPositionMs(offsetMs);
    onPlayhead(partStartMs(part) + offsetMs);
  }

  function seek(offsetMs: number, play: boolean) {
    const a = audio.current;
    if (!a) return;
    const clamped = Math.max(0, Math.min(offsetMs, lengthMs));
    report(clamped);
    if (a.readyState === HTMLMediaElement.HAVE_NOTHING) {
      pending.current = { offsetMs: clamped, play };
      if (play) void a.play().catch(() => {});
      return;
    }
    a.currentTime = clamped / 1000;
    if (play && a.paused) void a.play().catch(() => {});
  }

  control.current = {
    playFrom(atMs) {
      const place = placeInRecording(parts, atMs);
      if (!place) return;
      if (place.part !== partIndex) {
        pending.current = { offsetMs: place.offsetMs, play: true };
        setPartIndex(place.part);
        return;
      }
      seek(place.offsetMs, true);
    },
  };

  // A new part: its audio element source changes; a pending seek (from a transcript line) plays it.
  useEffect(() => {
    const a = audio.current;
    if (!a) return;
    a.defaultPlaybackRate = speed;
    a.playbackRate = speed;
    if (pending.current?.play) void a.play().catch(() => {});
  }, [part.url]);

  function changeSpeed(rate: number) {
    const a = audio.current;
    if (a) {
      a.defaultPlaybackRate = rate;
      a.playbackRate = rate;
    }
    setSpeed(rate);
  }

  const events = {
    onLoadedMetadata: () => {
      const a = audio.current;
      const wanted = pending.current;
      pending.current = undefined;
      if (a && wanted) {
        a.currentTime = wanted.offsetMs / 1000;
        if (wanted.play && a.paused) void a.play().catch(() => {});
      }
    },
    onTimeUpdate: () => audio.current && report(audio.current.currentTime * 1000),
    onPlay: () => {
      setPlaying(true);
      setFailed(false);
    },
    onPause: () => setPlaying(false),
    onEnded: () => setPlaying(false),
    // Another part's source replaces this one: the element stops without a pause event.
    onEmptied: () => setPlaying(false),
    onError: () => {
      setPlaying(false);
      setFailed(true);
    },
  };

  function togglePlay() {
    const a = audio.current;
    if (!a) return;
    if (a.paused) seek(positionMs >= lengthMs ? 0 : positionMs, true);
    else a.pause();
  }

  const label = `${clock(positionMs)} of ${clock(lengthMs)}`;
  return (
    <div class="player">
      <audio ref={audio} src={part.url} preload="none" {...events} />
      <div class="player-row">
        <button type="button" class="button button-primary player-play" onClick={togglePlay} aria-label={playing ? 'Pause the recording' : 'Play the recording'}>
          <span aria-hidden="true">{playing ? '❚❚' : '▶'}</span> {playing ? 'Pause' : 'Play'}
        </button>
        <input
          type="range"
          class="player-seek"
          aria-label="Position in the recording"
          aria-valuetext={label}
          min={0}
          max={lengthMs}
          step={1000}
          value={positionMs}
          onInput={(e) => seek(Number((e.currentTarget as HTMLInputElement).value), playing)}
        />
        <span class="player-time" aria-hidden="true">
          {clock(positionMs)} / {clock(lengthMs)}
        </span>
      </div>
      <div class="player-row player-options">
        <div class="segmented" role="group" aria-label="Playback speed">
          {SPEEDS.map((s) => (
            <button type="button" key={s} aria-pressed={speed === s} onClick={() => changeSpeed(s)} aria-label={`${s}× speed`}>
              {s}×
            </button>
          ))}
        </div>
        {parts.length > 1 && (
          <div class="segmented" role="group" aria-label="Part of the call">
            {parts.map((p, i) => (
              <button type="button" key={p.recordingId} aria-pressed={i === partIndex} onClick={() => {
                  setPartIndex(i);
                  setPositionMs(0);
                }}>
                Part {i + 1} ({clock(p.durationMs)})
              </button>
            ))}
          </div>
        )}
        <a class="button" href={`${part.url}&download=true`} download>
          Download (WAV)
        </a>
        <span class="muted player-note">Caller left, receptionist right{part.status === 'partial' ? ' · recorded up to where the call’s machine stopped' : ''}</span>
      </div>
      {failed && (
        <p class="state state-error" role="alert">
          This browser could not play the recording. Download it and play it with any audio player.
        </p>
      )}
    </div>
  );
}
