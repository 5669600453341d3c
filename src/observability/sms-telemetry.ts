import type { MessageSender } from '../sms/outbound.js';
import type { Metrics } from './metrics.js';

/** Twilio's message statuses (delivery callbacks); any other is counted as `other`. */
const TWILIO_MESSAGE_STATUSES = new Set([
  'accepted',
  'scheduled',
  'canceled',
  'queued',
  'sending',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'receiving',
  'received',
  'read',
]);

/**
 * `receptionist_sms_total{direction="outbound"}`: each send Twilio took (`submitted`) or refused
 * (`refused`); its delivery callbacks later count under Twilio's own statuses.
 */
export function countedSender(sender: MessageSender, metrics: Metrics): MessageSender {
  return {
    async send(message) {
      try {
        const sent = await sender.send(message);
        metrics.smsTotal.inc({ direction: 'outbound', status: 'submitted' });
        return sent;
      } catch (error) {
        metrics.smsTotal.inc({ direction: 'outbound', status: 'refused' });
        throw error;
      }
    },
  };
}

export function countInboundText(metrics: Metrics): void {
  metrics.smsTotal.inc({ direction: 'inbound', status: 'received' });
}

/** A delivery callback for one of our texts: counted under its status (delivered, undelivered, …). */
export function countDeliveryStatus(metrics: Metrics, status: string): void {
  metrics.smsTotal.inc({ direction: 'outbound', status: TWILIO_MESSAGE_STATUSES.has(status) ? status : 'other' });
}
