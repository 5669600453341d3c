/**
 * The AudioWorkletGlobalScope, which TypeScript's DOM library does not describe: just what our
 * two processors use (https://webaudio.github.io/web-audio-api/#AudioWorkletGlobalScope).
 */
declare const sampleRate: number;

declare abstract class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
  abstract process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
}

declare function registerProcessor(name: string, processor: new (options?: unknown) => AudioWorkletProcessor): void;

/** Vite: `?worker&url` bundles a module (and what it imports) on its own and gives its URL. */
declare module '*?worker&url' {
  const url: string;
  export default url;
}
