// Owns the safe markdown renderer for completions: a small subset (paragraphs, fenced code blocks,
// inline code, bold, italic, headings, block quotes, lists, links) turned into React elements only.
// Text is never parsed as HTML: raw HTML in a completion stays inert text (React escapes it). Links
// become anchors only for https: URLs (rel=noopener noreferrer); anything else is shown as text.
import { Fragment, type ReactNode } from 'react';

/** The href for a link target when it is safe to make clickable (https only), else null. */
export function safeHref(url: string): string | null {
  let u: URL;
  try { u = new URL(url); } catch { return null; }
  if (u.protocol !== 'https:' || u.username || u.password) return null;
  return u.href;
}

type Inline = { re: RegExp; render: (m: RegExpExecArray, key: string) => ReactNode };

const INLINE: Inline[] = [
  { re: /`([^`\n]+)`/, render: (m, k) => <code key={k}>{m[1]}</code> },
  {
    re: /\[([^\]\n]+)\]\(([^)\s]+)\)/,
    render: (m, k) => {
      const href = safeHref(m[2]!);
      if (!href) return <Fragment key={k}>{inline(m[1]!, k)} ({m[2]})</Fragment>;
      return <a key={k} href={href} target="_blank" rel="noopener noreferrer">{inline(m[1]!, k)}</a>;
    },
  },
  { re: /\*\*(?=\S)([^*\n]*?\S)\*\*/, render: (m, k) => <strong key={k}>{inline(m[1]!, k)}</strong> },
  { re: /(?<![\w])__(?=\S)([^_\n]*?\S)__(?![\w])/, render: (m, k) => <strong key={k}>{inline(m[1]!, k)}</strong> },
  { re: /\*(?=[^\s*])([^*\n]*?[^\s*])\*/, render: (m, k) => <em key={k}>{inline(m[1]!, k)}</em> },
  { re: /(?<![\w])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\w])/, render: (m, k) => <em key={k}>{inline(m[1]!, k)}</em> },
];

/** Renders inline markdown in `text` (one block's worth) as React nodes. */
export function inline(text: string, keyPrefix = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let n = 0;
  for (let guard = 0; rest && guard < 10_000; guard++) {
    let best: { m: RegExpExecArray; r: Inline } | undefined;
    for (const r of INLINE) {
      const m = r.re.exec(rest);
      if (m && (!best || m.index < best.m.index)) best = { m, r };
    }
    if (!best) { out.push(rest); break; }
    if (best.m.index > 0) out.push(rest.slice(0, best.m.index));
    out.push(best.r.render(best.m, `${keyPrefix}.${n++}`));
    rest = rest.slice(best.m.index + best.m[0].length);
  }
  return out;
}

/** Text with single newlines kept as line breaks. */
function lines(text: string, key: string): ReactNode[] {
  return text.split('\n').flatMap((l, i) => (i === 0 ? [inline(l, `${key}.${i}`)] : [<br key={`${key}.br${i}`} />, inline(l, `${key}.${i}`)]));
}

const FENCE = /^\s{0,3}(```|~~~)\s*([\w+.#-]*)\s*$/;
const LIST_ITEM = /^\s{0,3}([-*+]|\d{1,9}[.)])\s+(.*)$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

/** Renders markdown `text` as React elements (never HTML). Safe on partial (streaming) input. */
export function renderMarkdown(text: string): ReactNode[] {
  const src = text.replace(/\r\n?/g, '\n').split('\n');
  const out: ReactNode[] = [];
  let i = 0;
  let k = 0;
  while (i < src.length) {
    const l = src[i]!;
    const fence = FENCE.exec(l);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < src.length && !new RegExp(`^\\s{0,3}${fence[1]}\\s*$`).test(src[i]!)) body.push(src[i++]!);
      i++; // closing fence (or end of input while streaming)
      out.push(<pre key={k++} data-lang={fence[2] || undefined}><code>{body.join('\n')}</code></pre>);
      continue;
    }
    if (!l.trim()) { i++; continue; }
    const h = HEADING.exec(l);
    if (h) {
      const level = Math.min(6, h[1]!.length + 2);
      const Tag = `h${level}` as 'h3';
      out.push(<Tag key={k++} className="md-heading">{inline(h[2]!, `h${k}`)}</Tag>);
      i++;
      continue;
    }
    if (QUOTE.test(l)) {
      const body: string[] = [];
      while (i < src.length && QUOTE.test(src[i]!)) body.push(QUOTE.exec(src[i++]!)![1]!);
      out.push(<blockquote key={k++}>{renderMarkdown(body.join('\n'))}</blockquote>);
      continue;
    }
    const li = LIST_ITEM.exec(l);
    if (li) {
      const ordered = /\d/.test(li[1]![0]!);
      const items: string[] = [];
      while (i < src.length) {
        const m = LIST_ITEM.exec(src[i]!);
        if (m && /\d/.test(m[1]![0]!) === ordered) { items.push(m[2]!); i++; continue; }
        // An indented continuation line belongs to the item above.
        if (items.length && /^\s{2,}\S/.test(src[i]!) && !FENCE.test(src[i]!)) { items[items.length - 1] += '\n' + src[i]!.trim(); i++; continue; }
        break;
      }
      const key = k++;
      const children = items.map((it, j) => <li key={j}>{lines(it, `l${key}.${j}`)}</li>);
      if (ordered) {
        const start = Number.parseInt(li[1]!, 10);
        out.push(<ol key={key} start={Number.isFinite(start) && start !== 1 ? start : undefined}>{children}</ol>);
      } else out.push(<ul key={key}>{children}</ul>);
      continue;
    }
    const para: string[] = [];
    while (i < src.length && src[i]!.trim() && !FENCE.test(src[i]!) && !HEADING.test(src[i]!) && !LIST_ITEM.test(src[i]!) && !QUOTE.test(src[i]!)) para.push(src[i++]!);
    if (!para.length) para.push(src[i++]!); // never stall on a line no rule took
    const key = k++;
    out.push(<p key={key}>{lines(para.join('\n'), `p${key}`)}</p>);
  }
  return out;
}

/** A completion rendered as markdown. */
export function Markdown({ text }: { text: string }) {
  return <div className="md">{renderMarkdown(text)}</div>;
}
