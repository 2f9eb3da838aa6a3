/**
 * Polls `probe` until it yields a value, or fails after `limitMs`: for tests
 * that wait on real processes (elections, restarts).
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, limitMs: number, pollMs: number): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
