/**
 * Waits for something the doubles or the database will show (a job leaving the queue, a text
 * reaching the fake Twilio REST API, a record written), checking every `everyMs`; fails with what
 * it waited for. Tests wait for events with this, never for a fixed time.
 */
export async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
