import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeWebhookSignature, signWebhookPayload, verifyWebhookSignature } from './signature.ts';
import { isPrivateAddress, parseWebhookUrl } from './webhookUrl.ts';

const secret = 'whsec_test-secret';
const body = '{"id":"dataset.reviewed:ds_4k9x2m7qa1","type":"dataset.reviewed","createdAt":"2027-01-01T00:00:00.000Z","data":{}}';
const t = 1_798_761_600;

describe('webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 as Stripe does, and verifies it', () => {
    const expected = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(computeWebhookSignature(secret, t, body)).toBe(expected);
    expect(signWebhookPayload(secret, body, t)).toBe(`t=${t},v1=${expected}`);
    expect(verifyWebhookSignature(secret, `t=${t},v1=${expected}`, body, 300, t + 10)).toBe(true);
    expect(verifyWebhookSignature(secret, `t=${t},v1=${expected}`, Buffer.from(body), 300, t)).toBe(true);
  });

  it('refuses another secret, a changed body, a changed timestamp, an old signature and malformed headers', () => {
    const header = signWebhookPayload(secret, body, t);
    expect(verifyWebhookSignature('whsec_other', header, body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body.replace('ds_', 'ds-'), 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 0, t + 86_400)).toBe(true);
    for (const bad of [undefined, null, '', 'garbage', `t=${t}`, `v1=${'0'.repeat(64)}`, `t=abc,v1=${'0'.repeat(64)}`, `t=${t},v1=xyz`])
      expect(verifyWebhookSignature(secret, bad, body, 300, t)).toBe(false);
  });

  it('accepts a header with several v1 signatures when one matches (a secret being rotated)', () => {
    const good = computeWebhookSignature(secret, t, body);
    expect(verifyWebhookSignature(secret, `t=${t},v1=${'a'.repeat(64)},v1=${good}`, body, 300, t)).toBe(true);
  });
});

describe('webhook URLs', () => {
  it('takes http(s) URLs without credentials, and refuses the rest', () => {
    expect(parseWebhookUrl(' https://example.com/hook#x ', { allowPrivateHosts: false }).toString()).toBe('https://example.com/hook');
    expect(() => parseWebhookUrl('ftp://example.com/hook', { allowPrivateHosts: true })).toThrow('must start with https://');
    expect(() => parseWebhookUrl('not a url', { allowPrivateHosts: true })).toThrow('is not a URL');
    expect(() => parseWebhookUrl('https://u:p@example.com/', { allowPrivateHosts: true })).toThrow('user name or password');
    expect(() => parseWebhookUrl(`https://example.com/${'a'.repeat(2000)}`, { allowPrivateHosts: true })).toThrow('at most 2000');
  });

  it('refuses loopback, private and local-only hosts unless they are allowed', () => {
    for (const url of ['http://127.0.0.1:4000/', 'http://localhost/', 'http://10.1.2.3/', 'http://192.168.0.5/', 'http://172.20.0.1/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://[fd00::1]/', 'http://db.internal/', 'http://router/', 'http://0.0.0.0/']) {
      expect(() => parseWebhookUrl(url, { allowPrivateHosts: false }), url).toThrow('loopback or private');
      expect(parseWebhookUrl(url, { allowPrivateHosts: true }).protocol).toBe('http:');
    }
    expect(parseWebhookUrl('https://93.184.216.34/hook', { allowPrivateHosts: false }).hostname).toBe('93.184.216.34');
  });

  it('tells private addresses from public ones', () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.1.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '224.0.0.1'])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });
});
