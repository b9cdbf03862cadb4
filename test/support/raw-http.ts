// Owns raw HTTP/1.1 exchanges over a plain socket to 127.0.0.1, for requests fetch cannot send:
// a chosen or empty Host header, CR/LF inside header values, malformed request lines.
import net from 'node:net';

export interface RawResponse {
  /** 0 when the server closed without answering. */
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Everything the server sent. */
  raw: string;
}

/** Sends `request` verbatim (it should say `Connection: close`) and reads until the server closes (bounded: 10 s). */
export function rawExchange(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no close within 10 s; got: ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`)); }, 10_000);
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => { /* a reset after the answer is fine */ });
    sock.on('close', () => { clearTimeout(timer); resolve(parseResponse(Buffer.concat(chunks).toString('latin1'))); });
  });
}

/** Parses one HTTP/1.1 response (Content-Length or chunked body). */
export function parseResponse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/') || end < 0) return { status: 0, headers: {}, body: '', raw };
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i <= 0) continue;
    const k = l.slice(0, i).trim().toLowerCase(); const v = l.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  let body = raw.slice(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    let out = ''; let rest = body;
    for (let n = 0; n < 10_000; n++) {
      const j = rest.indexOf('\r\n'); if (j < 0) break;
      const size = parseInt(rest.slice(0, j), 16); if (!(size > 0)) break;
      out += rest.slice(j + 2, j + 2 + size); rest = rest.slice(j + 2 + size + 2);
    }
    body = out;
  } else if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8'), raw };
}

/** A request with the given head lines (each without CRLF, or with the CR/LF you want to test). */
export function rawRequest(method: string, path: string, headerLines: string[], body = ''): string {
  const lines = [`${method} ${path} HTTP/1.1`, ...headerLines, 'Connection: close'];
  if (body) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
