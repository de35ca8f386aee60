import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml, shareText } from './dashboardHtml.ts';

describe('html', () => {
  it('escapes every value, in text and in attributes, except SafeHtml', () => {
    const name = `<img src=x onerror="alert('x')">&`;
    const out = html`<p title="${name}">${name}</p>${new SafeHtml('<br>')}`.value;
    expect(out).toBe(
      '<p title="&#60;img src=x onerror=&#34;alert(&#39;x&#39;)&#34;&#62;&#38;">&#60;img src=x onerror=&#34;alert(&#39;x&#39;)&#34;&#62;&#38;</p><br>',
    );
    expect(escapeHtml(name)).not.toMatch(/[<>"']/);
  });

  it('joins arrays, nests templates once, and writes nothing for null, undefined and false', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe('<ul><li>a&#60;b</li><li>c</li></ul>0');
  });
});

describe('shareText', () => {
  it('writes a share of the total as a percentage with up to 4 decimals', () => {
    expect(shareText(1_000_000n, 1_000_000n)).toBe('100 %');
    expect(shareText(1n, 3n)).toBe('33.3333 %');
    expect(shareText(0n, 0n)).toBe('0 %');
  });
});
