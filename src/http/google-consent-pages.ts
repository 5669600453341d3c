import type { FastifyReply } from 'fastify';

/**
 * The small HTML pages of the Google consent flow, seen by the owner in their browser. They carry
 * one-time secrets (the confirmation token) and follow a URL with Google's `code`, so: never
 * cached, never framed (no clickjacking of the confirm button), no referrer, no scripts.
 */

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function sendPage(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .headers(PAGE_HEADERS)
    .send(
      `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5}` +
        `button{font-size:1rem;padding:.5rem 1.25rem}</style><h1>${escapeHtml(title)}</h1>${body}</html>`,
    );
}

export function confirmationPage(
  reply: FastifyReply,
  pending: { spaName: string; calendarId: string; accountEmail: string | null; confirmToken: string },
  confirmPath: string,
): FastifyReply {
  const whose = pending.accountEmail ? `<b>${escapeHtml(pending.accountEmail)}</b>&#39;s calendar` : 'this Google account&#39;s calendar';
  return sendPage(
    reply,
    200,
    'Connect Google Calendar',
    `<p>Connect <b>${escapeHtml(pending.spaName)}</b> to ${whose}?</p>` +
      `<p>Calendar: <b>${escapeHtml(pending.calendarId)}</b>. The receptionist will see when it is busy, and add, move and cancel the appointments it books there.</p>` +
      `<form method="post" action="${escapeHtml(confirmPath)}"><input type="hidden" name="confirmToken" value="${escapeHtml(pending.confirmToken)}">` +
      `<button type="submit">Connect</button></form>` +
      `<p>Not what you expected? Close this page: nothing is connected until you confirm.</p>`,
  );
}

export function connectedPage(reply: FastifyReply, connected: { calendarId: string; accountEmail: string | null }): FastifyReply {
  const account = connected.accountEmail ? ` of <b>${escapeHtml(connected.accountEmail)}</b>` : '';
  return sendPage(
    reply,
    200,
    'Calendar connected',
    `<p>Google Calendar <b>${escapeHtml(connected.calendarId)}</b>${account} is now connected. You can close this page.</p>`,
  );
}

export function errorPage(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return sendPage(reply, status, 'Google Calendar was not connected', `<p>${escapeHtml(message)}</p><p><small>${escapeHtml(code)}</small></p>`);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
