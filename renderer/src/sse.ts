// Owns parsing a Server-Sent Events byte stream into events (`data` joined by newlines, `event`
// name); comments (keep-alives) are dropped. Feed it text as it arrives, in any chunking.
export interface SseEvent { event: string; data: string }

export function createSseParser(onEvent: (e: SseEvent) => void) {
  let buf = '';
  let data: string[] = [];
  let event = '';
  const dispatch = () => {
    if (data.length) onEvent({ event: event || 'message', data: data.join('\n') });
    data = []; event = '';
  };
  const line = (l: string) => {
    if (l === '') { dispatch(); return; }
    if (l.startsWith(':')) return;
    const i = l.indexOf(':');
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? '' : l.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  };
  return {
    /** Adds text; complete lines are parsed, the rest waits for more. */
    feed(text: string): void {
      buf += text;
      let m: RegExpExecArray | null;
      const re = /\r\n|\r|\n/g;
      let start = 0;
      while ((m = re.exec(buf))) {
        // A lone \r at the very end may be the first half of \r\n: wait for more.
        if (m[0] === '\r' && m.index === buf.length - 1) break;
        line(buf.slice(start, m.index));
        start = m.index + m[0].length;
      }
      buf = buf.slice(start);
    },
    /** Ends the stream: a last event without its blank line is still delivered. */
    end(): void {
      if (buf) { line(buf); buf = ''; }
      dispatch();
    },
  };
}
