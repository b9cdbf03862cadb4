// Owns the chat page: the model picker (GET /v1/models: local and upstream), the conversation list
// kept in the browser, sending with Enter (Shift+Enter for a new line), the streamed reply rendered
// as safe markdown, Stop (aborts the fetch; the server cancels), and each reply's figures.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { OpenAIModelList } from '../../../server/contract/admin.js';
import { errorText, json, type Session } from '../api.js';
import { streamChat } from '../chat-stream.js';
import { loadConversations, newConversation, saveConversations, titleOf, type ChatMessage, type Conversation } from '../conversations.js';
import { Markdown } from '../markdown.js';
import { duration } from '../format.js';

export function MessageView({ m, streaming }: { m: ChatMessage; streaming?: boolean }) {
  return (
    <article className={`msg ${m.role}`} data-testid={`msg-${m.role}`} aria-busy={streaming || undefined}>
      <div className="who">{m.role === 'user' ? 'You' : m.model ?? 'Assistant'}</div>
      {m.role === 'assistant' ? <Markdown text={m.content} /> : <div className="plain">{m.content}</div>}
      {m.stats && (
        <div className="stats" data-testid="reply-stats">
          {m.stats.tokensPerSecond !== undefined && <span>{m.stats.tokensPerSecond} tokens/s</span>}
          {m.stats.ttftMs !== undefined && <span>first token {duration(m.stats.ttftMs)}</span>}
          {m.stats.completionTokens !== undefined && <span>{m.stats.completionTokens} tokens</span>}
          {m.stats.stopped && <span className="warn">stopped</span>}
          {m.stats.error && <span className="error">{m.stats.error}</span>}
        </div>
      )}
    </article>
  );
}

export function ChatPage({ session }: { session: Session }) {
  const [models, setModels] = useState<Array<{ id: string; owned_by?: string }>>([]);
  const [modelsError, setModelsError] = useState<string | null>(null);
  const [list, setList] = useState<Conversation[]>(() => loadConversations());
  const [currentId, setCurrentId] = useState<string | null>(() => loadConversations()[0]?.id ?? null);
  const [model, setModel] = useState('');
  const [draft, setDraft] = useState('');
  const [streaming, setStreaming] = useState(false);
  const abortRef = useRef<AbortController | null>(null);
  const endRef = useRef<HTMLDivElement | null>(null);

  const current = list.find((c) => c.id === currentId) ?? null;

  useEffect(() => {
    json(session, OpenAIModelList, '/v1/models').then((r) => {
      setModels(r.data);
      setModel((m) => m || current?.model || r.data[0]?.id || '');
    }).catch((e) => setModelsError(errorText(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);

  useEffect(() => { if (current?.model) setModel(current.model); }, [currentId]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => { if (!streaming) saveConversations(list); }, [list, streaming]);
  useEffect(() => { endRef.current?.scrollIntoView?.({ block: 'end' }); }, [current?.messages.length, streaming]);
  useEffect(() => () => abortRef.current?.abort(), []);

  const update = (id: string, fn: (c: Conversation) => Conversation) => setList((l) => l.map((c) => (c.id === id ? fn(c) : c)));

  const send = async () => {
    const text = draft.trim();
    if (!text || streaming || !model) return;
    let conv = current;
    if (!conv) { conv = newConversation(model); const c = conv; setList((l) => [c, ...l]); setCurrentId(c.id); }
    const id = conv.id;
    const history = [...conv.messages.filter((m) => m.content.length > 0), { role: 'user' as const, content: text }];
    const messages = history.map(({ role, content }) => ({ role, content }));
    setDraft('');
    const seed = conv;
    setList((l) => l.map((c) => (c.id === id ? { ...seed, model, title: seed.messages.length ? seed.title : titleOf(text), updatedAt: Date.now(), messages: [...history, { role: 'assistant', content: '', model }] } : c)));
    const ac = new AbortController();
    abortRef.current = ac;
    setStreaming(true);
    const setLast = (fn: (m: ChatMessage) => ChatMessage) => update(id, (c) => ({ ...c, updatedAt: Date.now(), messages: [...c.messages.slice(0, -1), fn(c.messages[c.messages.length - 1]!)] }));
    try {
      const stats = await streamChat(session, { model, messages, signal: ac.signal, onText: (d) => setLast((m) => ({ ...m, content: m.content + d })) });
      setLast((m) => ({ ...m, stats }));
    } catch (e) {
      const aborted = ac.signal.aborted;
      setLast((m) => ({ ...m, stats: aborted ? { ...(m.stats ?? {}), stopped: true } : { error: errorText(e) } }));
    } finally {
      abortRef.current = null;
      setStreaming(false);
    }
  };

  const stop = () => abortRef.current?.abort();
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) { e.preventDefault(); void send(); }
  };
  const remove = (id: string) => {
    setList((l) => l.filter((c) => c.id !== id));
    if (currentId === id) setCurrentId(null);
  };

  return (
    <div className="chat">
      <aside className="convs" aria-label="Conversations">
        <button type="button" onClick={() => setCurrentId(null)} disabled={streaming}>New chat</button>
        <ul>
          {list.map((c) => (
            <li key={c.id} className={c.id === currentId ? 'active' : undefined}>
              <button type="button" className="link" onClick={() => setCurrentId(c.id)} disabled={streaming}>{c.title}</button>
              <button type="button" className="link small" aria-label={`Delete conversation ${c.title}`} onClick={() => remove(c.id)} disabled={streaming}>×</button>
            </li>
          ))}
        </ul>
      </aside>
      <section className="thread">
        <div className="toolbar">
          <label htmlFor="chat-model">Model</label>
          <select id="chat-model" value={model} onChange={(e) => setModel(e.target.value)} disabled={streaming}>
            {!models.some((m) => m.id === model) && <option value={model}>{model || '(no model)'}</option>}
            {models.map((m) => <option key={m.id} value={m.id}>{m.id}{m.owned_by && m.owned_by !== 'local' ? ` (${m.owned_by})` : ''}</option>)}
          </select>
          {modelsError && <span role="alert" className="error">{modelsError}</span>}
          {!modelsError && models.length === 0 && <span className="muted">No model yet: pull one on the Models page.</span>}
        </div>
        <div className="messages" aria-live="polite">
          {(current?.messages ?? []).map((m, i, a) => <MessageView key={i} m={m} streaming={streaming && i === a.length - 1} />)}
          {!current?.messages.length && <p className="muted">Ask something. Enter sends, Shift+Enter adds a line.</p>}
          <div ref={endRef} />
        </div>
        <form className="composer" onSubmit={(e) => { e.preventDefault(); void send(); }}>
          <label htmlFor="chat-input" className="sr-only">Message</label>
          <textarea id="chat-input" rows={3} placeholder="Message (Enter to send, Shift+Enter for a new line)" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKey} />
          {streaming
            ? <button type="button" className="danger" onClick={stop}>Stop</button>
            : <button type="submit" disabled={!draft.trim() || !model}>Send</button>}
        </form>
      </section>
    </div>
  );
}
