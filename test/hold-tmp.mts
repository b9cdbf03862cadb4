import { startHearth, waitReady } from './support/server.js';
const h = await startHearth({ args: ['--model', 'tiny', '--context-size', '16384', '--max-concurrency', '1', '--max-queue', '0'] });
try {
  await waitReady(h.url);
  const t0 = performance.now();
  const r = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'go' }], max_tokens: 16000, stream: true }) });
  const txt = await r.text();
  console.log('ms', performance.now() - t0, 'chunks', txt.split('\n\n').length, txt.slice(-300));
} finally { await h.stop(); }
