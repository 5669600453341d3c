import {
  bookAppointmentTool,
  cancelAppointmentTool,
  checkAvailability,
  rescheduleAppointmentTool,
} from './booking-tools.js';
import { sendVerificationCode, verifyCode } from './caller-verification-tools.js';
import { endCall, findCustomer, getSpaInfo, takeMessage, transferToStaff } from './front-desk-tools.js';
import { stopRecording } from './recording-tools.js';
import type { Tool } from './tool.js';
import { ToolRegistry } from './tool-registry.js';

/** The receptionist's tools: on a call all of them; by text, all but those that act on a live call. */
export function receptionistTools(channel: 'voice' | 'sms' = 'voice'): ToolRegistry {
  const shared = [
    getSpaInfo,
    findCustomer,
    sendVerificationCode,
    verifyCode,
    checkAvailability,
    bookAppointmentTool,
    rescheduleAppointmentTool,
    cancelAppointmentTool,
    takeMessage,
  ];
  return new ToolRegistry((channel === 'voice' ? [...shared, transferToStaff, endCall, stopRecording] : shared) as Tool[]);
}
