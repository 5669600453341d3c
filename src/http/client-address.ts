import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * Where a request really comes from, as far as we can know: rate limits, failed-sign-in limits
 * and request logs all use this one answer, so a client cannot buy a fresh budget by writing a
 * header of its choosing.
 *
 * - On Fly.io, `Fly-Client-IP`: Fly's edge proxy sets it to the address it accepted the
 *   connection from, whatever the client sent.
 * - Elsewhere, `request.ip`: Fastify's `trustProxy` is set to TRUSTED_PROXY_HOPS, so it is the
 *   socket's peer (0 hops) or the X-Forwarded-For entry that the outermost trusted proxy added.
 */
export interface ClientAddressPolicy {
  onFly: boolean;
}

export function clientAddress(request: Pick<FastifyRequest, 'headers' | 'ip'>, policy: ClientAddressPolicy): string {
  if (policy.onFly) {
    const fly = request.headers['fly-client-ip'];
    if (typeof fly === 'string' && isIP(fly.trim()) !== 0) return fly.trim();
  }
  return request.ip;
}

/**
 * Fastify's `trustProxy` option for a number of trusted hops (the socket's peer is hop 0): never
 * `true`, which believes whatever X-Forwarded-For says.
 */
export function trustProxyOption(trustedProxyHops: number): ((address: string, hop: number) => boolean) | false {
  return trustedProxyHops > 0 ? (_address, hop) => hop < trustedProxyHops : false;
}
