import {
  bookAppointmentTool,
  cancelAppointmentTool,
  checkAvailability,
  rescheduleAppointmentTool,
} from './booking-tools.js';
import { endCall, findCustomer, getSpaInfo, takeMessage, transferToStaff } from './front-desk-tools.js';
import type { Tool } from './tool.js';
import { ToolRegistry } from './tool-registry.js';

/** Every tool the receptionist has on a call. */
export function receptionistTools(): ToolRegistry {
  return new ToolRegistry([
    getSpaInfo,
    findCustomer,
    checkAvailability,
    bookAppointmentTool,
    rescheduleAppointmentTool,
    cancelAppointmentTool,
    transferToStaff,
    takeMessage,
    endCall,
  ] as Tool[]);
}
