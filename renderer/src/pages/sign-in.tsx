// Owns the sign-in form: paste the admin token (everything) or an API key (the chat alone).
import { useState, type FormEvent } from 'react';

export function SignIn({ error, onSignIn }: { error: string | null; onSignIn: (token: string, remember: boolean) => Promise<void> }) {
  const [token, setToken] = useState('');
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    try { await onSignIn(token.trim(), remember); } finally { setBusy(false); }
  };
  return (
    <main className="center">
      <form className="card signin" onSubmit={submit}>
        <h1>Hearth</h1>
        <p>Paste the admin token to manage this server, or an API key to chat.</p>
        <label htmlFor="token">Token</label>
        <input id="token" name="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} autoFocus />
        <label className="check"><input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} /> Remember on this device</label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" disabled={busy || !token.trim()}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
