import { z } from 'zod';
import { defineTool, ToolError } from './tool.js';

/** The caller does not want to be recorded: recording stops for the rest of the call and what was recorded is deleted. */
export const stopRecording = defineTool({
  name: 'stop_recording',
  // It acts, but on nothing the caller could regret: it runs as soon as the model asks.
  readOnly: true,
  description:
    'Stop recording this call, at once and for good, when the caller asks not to be recorded or objects to the recording in any way. Then tell them briefly that the recording has stopped and carry on helping.',
  schema: z.object({}),
  async execute(_args, context) {
    if (!context.call) throw new ToolError('NOT_A_CALL', 'There is no call being recorded.');
    return { recordingStopped: true, wasRecording: context.call.stopRecording() };
  },
});

/** Tools that exist only while a call is recorded. */
export const RECORDING_TOOL_NAMES: readonly string[] = [stopRecording.name];
