// Tests the safe markdown renderer: the supported subset renders, and raw HTML, scripts and
// non-https links stay inert text (rendered to static markup with react-dom/server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Markdown, safeHref } from '../../../renderer/src/markdown.js';

const html = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

test('raw HTML and scripts are escaped text, never elements', () => {
  const out = html('Hi <img src=x onerror="alert(1)"> <script>alert(2)</script> <a href="javascript:alert(3)">x</a>');
  assert.ok(!/<img|<script|<a /i.test(out), out);
  assert.match(out, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
  assert.match(out, /&lt;script&gt;alert\(2\)&lt;\/script&gt;/);
});

test('HTML inside code blocks, inline code, bold and list items stays text', () => {
  const out = html('```html\n<iframe src="https://evil"></iframe>\n```\n\n- **<b>x</b>**\n- `<svg onload=alert(1)>`');
  assert.ok(!/<iframe|<svg|<b>/i.test(out), out);
  assert.match(out, /<pre data-lang="html"><code>&lt;iframe/);
  assert.match(out, /<strong>&lt;b&gt;x&lt;\/b&gt;<\/strong>/);
  assert.match(out, /<code>&lt;svg onload=alert\(1\)&gt;<\/code>/);
});

test('only https links become anchors, with rel=noopener', () => {
  assert.equal(html('[docs](https://example.com/a?b=1)'), '<div class="md"><p><a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer">docs</a></p></div>');
  for (const bad of ['javascript:alert(1)', 'http://example.com', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', '//evil.com', 'https://user:pw@example.com']) {
    const out = html(`[click](${bad})`);
    assert.ok(!out.includes('<a '), `${bad} → ${out}`);
    assert.match(out, /click \(/);
  }
  assert.equal(safeHref('JaVaScRiPt:alert(1)'), null);
  assert.equal(safeHref('https://example.com'), 'https://example.com/');
});

test('the subset renders: paragraphs, line breaks, headings, lists, quotes, emphasis', () => {
  assert.equal(html('one\ntwo\n\nthree'), '<div class="md"><p>one<br/>two</p><p>three</p></div>');
  assert.equal(html('# Title'), '<div class="md"><h3 class="md-heading">Title</h3></div>');
  assert.equal(html('1. a\n2. b'), '<div class="md"><ol><li>a</li><li>b</li></ol></div>');
  assert.equal(html('3. a\n4. b'), '<div class="md"><ol start="3"><li>a</li><li>b</li></ol></div>');
  assert.equal(html('- a\n* b'), '<div class="md"><ul><li>a</li><li>b</li></ul></div>');
  assert.equal(html('> quoted'), '<div class="md"><blockquote><p>quoted</p></blockquote></div>');
  assert.equal(html('**b** *i* _j_ __k__ `c`'), '<div class="md"><p><strong>b</strong> <em>i</em> <em>j</em> <strong>k</strong> <code>c</code></p></div>');
  assert.equal(html('snake_case_name and 2*3*4'), '<div class="md"><p>snake_case_name and 2<em>3</em>4</p></div>');
});

test('an unclosed code fence while streaming renders what has arrived', () => {
  assert.equal(html('```js\nconst a = 1;'), '<div class="md"><pre data-lang="js"><code>const a = 1;</code></pre></div>');
});

test('odd input never hangs and keeps every character', () => {
  const weird = '#\n>\n-\n```\n\n~~~\n***\n[](\n`\n' + '*'.repeat(200) + '\n' + '<'.repeat(50);
  const out = html(weird);
  assert.ok(out.startsWith('<div class="md">'));
  assert.ok(out.includes('&lt;'.repeat(50)));
});
