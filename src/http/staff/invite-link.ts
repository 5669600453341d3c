/**
 * Where an invited person sets their password: the console's invite page, with the one-time token
 * after `#`, so it never reaches a server log, a proxy or a Referer header. The page posts it to
 * POST /api/v1/invites/accept.
 */
export function inviteLink(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/console/invite#token=${token}`;
}
