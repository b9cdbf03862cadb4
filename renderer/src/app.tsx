// Owns the app shell: signing in (desktop bridge, stored token, or the sign-in form), what the token
// may see (admin: every page; API key: the chat alone), the navigation (hash routes) and signing out.
import { useCallback, useEffect, useState } from 'react';
import { desktopSession, errorText, forgetToken, json, probeRole, storedToken, storeToken, type Session } from './api.js';
import { ServableModelList } from '../../server/contract/admin.js';
import { SignIn } from './pages/sign-in.js';
import { ChatPage } from './pages/chat.js';
import { ModelsPage } from './pages/models.js';
import { KeysPage } from './pages/keys.js';
import { SettingsPage } from './pages/settings.js';
import { HealthPage } from './pages/health.js';

type Role = 'admin' | 'key';
const PAGES = [
  { id: 'chat', title: 'Chat' },
  { id: 'models', title: 'Models' },
  { id: 'keys', title: 'Keys' },
  { id: 'settings', title: 'Limits & network' },
  { id: 'health', title: 'Health' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function pageFromHash(): PageId {
  const h = location.hash.replace(/^#\/?/, '');
  return (PAGES.find((p) => p.id === h)?.id) ?? 'chat';
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [role, setRole] = useState<Role | null>(null);
  const [booting, setBooting] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [page, setPage] = useState<PageId>(pageFromHash);

  useEffect(() => {
    const on = () => setPage(pageFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);

  const signIn = useCallback(async (s: Session, remember?: boolean) => {
    setError(null);
    try {
      const r = await probeRole(s);
      if (!s.desktop) storeToken(s.token, remember ?? false);
      setSession(s); setRole(r);
      if (r === 'key') location.hash = '#/chat';
      // First run: with nothing to chat with yet, the owner lands on the models page (recommended list first).
      else if (!location.hash.replace(/^#\/?/, '')) {
        const models = await json(s, ServableModelList, '/admin/models').catch(() => null);
        if (models && models.data.length === 0) location.hash = '#/models';
      }
    } catch (e) {
      if (!s.desktop) forgetToken();
      setError((e as { status?: number }).status === 401 ? 'That token was not accepted. Paste the admin token or an API key.' : errorText(e));
    }
  }, []);

  useEffect(() => {
    void (async () => {
      try {
        const d = await desktopSession();
        if (d) { await signIn(d); return; }
        const t = storedToken();
        if (t) await signIn({ token: t, base: '', desktop: false });
      } catch (e) { setError(errorText(e)); } finally { setBooting(false); }
    })();
  }, [signIn]);

  if (booting) return <main className="center"><p>Connecting…</p></main>;
  if (!session || !role) return <SignIn error={error} onSignIn={(token, remember) => signIn({ token, base: '', desktop: false }, remember)} />;

  const visible = role === 'admin' ? PAGES : PAGES.filter((p) => p.id === 'chat');
  const current = visible.some((p) => p.id === page) ? page : 'chat';
  const signOut = () => { forgetToken(); setSession(null); setRole(null); };

  return (
    <div className="shell">
      <header className="top">
        <span className="brand">Hearth</span>
        <nav aria-label="Pages">
          {visible.map((p) => (
            <a key={p.id} href={`#/${p.id}`} aria-current={current === p.id ? 'page' : undefined}>{p.title}</a>
          ))}
        </nav>
        <span className="who">{role === 'admin' ? 'admin' : 'API key (chat only)'}</span>
        {!session.desktop && <button type="button" className="link" onClick={signOut}>Sign out</button>}
      </header>
      <main className="page">
        {current === 'chat' && <ChatPage session={session} />}
        {current === 'models' && <ModelsPage session={session} />}
        {current === 'keys' && <KeysPage session={session} />}
        {current === 'settings' && <SettingsPage session={session} />}
        {current === 'health' && <HealthPage session={session} />}
      </main>
    </div>
  );
}
