import { isCustomerVerified } from '../storage/caller-verification-repository.js';
import { findCustomerByPhone, type CustomerView } from '../storage/customer-repository.js';
import { normalisePhone } from './spa-lookup.js';
import { ToolError, type ToolContext } from './tool.js';

const normalName = (name: string) => name.toLowerCase().replace(/[^a-z]+/g, ' ').trim();

/**
 * The patient a caller names by a number on file and the name on that record (the surname and at
 * least one more word). Naming them is not yet proof of being them.
 */
export async function claimedCustomer(context: ToolContext, phone: string, name: string | undefined): Promise<CustomerView | undefined> {
  if (!name) return undefined;
  const customer = await findCustomerByPhone(context.db, context.spa.id, phone);
  if (!customer?.name) return undefined;
  const onFile = normalName(customer.name).split(' ');
  const given = normalName(name).split(' ');
  const surname = onFile.at(-1);
  return surname && given.includes(surname) && given.some((w) => w !== surname && onFile.includes(w)) ? customer : undefined;
}

/**
 * Who the patient is, as far as we can vouch: the number they call or text from, or a number on
 * file given together with the name on that record, once a code texted to that number has been
 * read back in this conversation. Anyone else's details stay private. Throws VERIFICATION_REQUIRED
 * when number and name match but the code is still to be checked.
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
  const customer = await claimedCustomer(context, phone, claim.name);
  if (!customer) return undefined;
  if (context.conversationId && (await isCustomerVerified(context.db, context.conversationId, customer.id))) return customer.id;
  throw new ToolError(
    'VERIFICATION_REQUIRED',
    `The number and name match a patient, but this ${context.channel === 'voice' ? 'call comes' : 'text comes'} from a different number, so nothing about their appointments can be shared or changed yet. ` +
      'Explain kindly that, to protect the patient’s privacy, you will text a 6-digit code to the number on file; call send_verification_code with the same phone and name, ask for the code, then call verify_code.',
  );
}
