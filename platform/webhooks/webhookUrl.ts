import net from 'node:net';
import { InputError } from '../errors.ts';

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * Whether `ip` (v4 or v6) is loopback, private, link-local, carrier-grade NAT, unspecified,
 * multicast or reserved: places a webhook must not reach in production (the platform's own
 * network, cloud metadata at 169.254.169.254).
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = net.isIPv4(ip) ? ip : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (v4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0) ||
      (a === 198 && (b === 18 || b === 19))
    );
  }
  if (!net.isIPv6(ip)) return false;
  const lower = ip.toLowerCase();
  if (lower === '::' || lower === '::1') return true;
  const first = parseInt(lower.split(':')[0] || '0', 16);
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast, 64:ff9b::/96 NAT64 (maps v4).
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00 || lower.startsWith('64:ff9b:');
}

/** Host names that only resolve inside a network. */
const isLocalName = (host: string) => host === 'localhost' || /\.(localhost|local|internal|lan|home\.arpa)$/.test(host) || !host.includes('.');

/**
 * Parses a webhook URL: http(s) only, no credentials in it, at most {@link MAX_WEBHOOK_URL_LENGTH}
 * characters; unless `allowPrivateHosts`, not a loopback or private address nor a name that only
 * resolves locally (names are checked again on every delivery, against what they resolve to).
 * @throws InputError saying what is wrong
 */
export function parseWebhookUrl(text: string, options: { allowPrivateHosts: boolean }): URL {
  const trimmed = text.trim();
  if (trimmed.length > MAX_WEBHOOK_URL_LENGTH) throw new InputError(`A webhook URL can be at most ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new InputError('The webhook URL is not a URL: give one like https://example.com/caravan/webhook.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError('A webhook URL must start with https:// (or http://).');
  if (url.username || url.password) throw new InputError('A webhook URL may not carry a user name or password; check the signature instead.');
  if (!options.allowPrivateHosts) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if ((net.isIP(host) && isPrivateAddress(host)) || (!net.isIP(host) && isLocalName(host)))
      throw new InputError(`Webhooks cannot be sent to ${url.hostname}: it is a loopback or private address. Give a public URL.`);
  }
  url.hash = '';
  return url;
}
