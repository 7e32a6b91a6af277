// The test DNS server (dns/server.mjs) that playwright.config.ts starts beside the server:
// Meridian looks up domain proofs there, and tests publish them through its HTTP control port.

/** Where it answers DNS queries (UDP, 127.0.0.1). */
export const DNS_PORT = 3253;
/** Its HTTP control port (127.0.0.1). */
export const DNS_HTTP_PORT = 3254;

/** Publishes `value` as the only TXT record at `name`. */
export async function publishTxt(name: string, value: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${DNS_HTTP_PORT}/txt/${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: value,
  });
  if (!res.ok) throw new Error(`publishing ${name} failed: HTTP ${res.status}`);
}
