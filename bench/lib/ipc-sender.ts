// Owns the child side of the IPC cost benchmark: sends N worker-protocol `delta` messages to its
// parent over Node's IPC channel (JSON serialization, as the engine worker does), then `done`.
const n = Number(process.argv[2] ?? 10000);
const text = process.argv[3] ?? ' token';

function sendAll(): void {
  let i = 0;
  const pump = (): void => {
    // Honour the channel's backpressure: process.send returns false when its buffer is full.
    while (i < n) {
      const ok = process.send!({ t: 'delta', id: 1, text });
      i++;
      if (!ok) { setImmediate(pump); return; }
    }
    process.send!({ t: 'done', id: 1, finishReason: 'length', usage: { promptTokens: 1, completionTokens: n } }, () => process.disconnect());
  };
  pump();
}

process.once('message', () => sendAll());
