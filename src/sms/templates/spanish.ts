import type { TextTemplates } from './text-templates.js';

/** Usted throughout: the register a medical practice uses with its patients. */
export const SPANISH: TextTemplates = {
  dateTime(instant, timeZone) {
    const date = new Intl.DateTimeFormat('es-US', { timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(instant).replace(',', '');
    const parts = new Intl.DateTimeFormat('es-US', { timeZone, hour: 'numeric', minute: '2-digit' }).formatToParts(instant);
    const hour = parts.find((p) => p.type === 'hour')?.value;
    // ICU puts no-break spaces in "1 p. m."; a text keeps to plain ones.
    const time = parts
      .map((p) => p.value)
      .join('')
      .replace(':00', '')
      .replace(/[\u00a0\u202f]/g, ' ');
    // "a la una", "a las tres"
    return `el ${date} ${hour === '1' ? 'a la' : 'a las'} ${time}`;
  },
  confirmation: (f) =>
    `${f.spaName}: su cita de ${f.service} con ${f.provider} quedó reservada para ${f.when}, en ${f.street}. ¿Necesita cambiarla? Responda a este mensaje. Para no recibir más mensajes, responda PARAR.`,
  reschedule: (f) => `${f.spaName}: su cita de ${f.service} con ${f.provider} ahora es ${f.when}. Si necesita algo más, responda a este mensaje.`,
  cancellation: (f) => `${f.spaName}: su cita de ${f.service} programada para ${f.when} quedó cancelada. Cuando quiera volver a reservar, responda a este mensaje.`,
  reminder: (f) => `${f.spaName} le recuerda su cita de ${f.service} con ${f.provider} ${f.when}, en ${f.street}. Si necesita cambiarla, responda a este mensaje.`,
  help: (spa) =>
    `${spa.name}: en este número le atiende nuestra recepcionista virtual, que puede reservar, cambiar o cancelar citas y responder sus preguntas. Responda PARAR para no recibir más mensajes o COMENZAR para volver a recibirlos. Pueden aplicarse tarifas de mensajes y datos.`,
  optedOut: (spa) =>
    `${spa.name}: listo, ya no recibirá más mensajes nuestros. Si quería cancelar una cita, llámenos. Para volver a recibir mensajes, responda COMENZAR.`,
  optedIn: (spa) => `${spa.name}: volverá a recibir nuestros mensajes. Responda AYUDA si necesita ayuda o PARAR para no recibirlos. Pueden aplicarse tarifas de mensajes y datos.`,
  followUp: (f) =>
    `Hola, le escribe ${f.receptionist} de ${f.spaName}. ¡Disculpe, se cortó la llamada! Responda a este mensaje y terminamos por aquí, o llámenos cuando guste.`,
  verificationCode: (f) =>
    `${f.spaName}: su código de verificación es ${f.code}. Vence en ${f.minutes} minutos. Si no se comunicó con nosotros hace un momento, ignore este mensaje.`,
  verificationCodeRecord: (f) => `${f.spaName}: se envió un código de verificación (el código no se guarda).`,
};
