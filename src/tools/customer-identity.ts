import { findCustomerByPhone } from '../storage/customer-repository.js';
import { normalisePhone } from './spa-lookup.js';
import type { ToolContext } from './tool.js';

const normalName = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, ' ').trim();

/**
 * Who the patient is, as far as we can vouch: the number they call or text from, or a number on
 * file given together with the name on that record. Anyone else's details stay private.
 */
export async function verifiedCustomer(
  context: ToolContext,
  claim: { phone?: string | undefined; name?: string | undefined },
): Promise<string | undefined> {
  const phone = claim.phone ? normalisePhone(claim.phone) : undefined;
  if (!phone || phone === context.customerPhone) {
    if (context.customerId || !context.customerPhone) return context.customerId ?? undefined;
    // A call that began while the database was away has no customer id yet: look the caller up.
    return (await findCustomerByPhone(context.db, context.spa.id, context.customerPhone))?.id;
  }
  if (!claim.name) return undefined;
  const customer = await findCustomerByPhone(context.db, context.spa.id, phone);
  if (!customer?.name) return undefined;
  const onFile = normalName(customer.name).split(' ');
  const given = normalName(claim.name).split(' ');
  // The surname and at least one more word must match.
  const surname = onFile.at(-1);
  return surname && given.includes(surname) && given.some((w) => w !== surname && onFile.includes(w)) ? customer.id : undefined;
}
