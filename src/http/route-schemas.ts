import { z } from 'zod';

/** Request pieces several staff API resources share. */

export const uuid = z.string().uuid();
export const idParams = z.object({ id: uuid });

/** The body that creates an API key, for owners and for the admin bootstrap alike. */
export const newApiKeyBody = z.object({ name: z.string().min(1).max(100), role: z.enum(['owner', 'staff']) }).strict();
