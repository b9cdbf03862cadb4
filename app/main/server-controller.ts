// Owns the embedded server's lifecycle as the desktop shell sees it: start (falling back to a free
// port when the configured one is taken), stop (graceful close), and one status stream that the
// tray and the window follow. Takes the start function as a parameter, so it is testable without
// Electron and without a real server; main.ts passes `startServer` from server/index.ts.
import type { ServerStatus } from '../../server/contract/ipc.js';

/** The part of `startServer(config)`'s result the shell uses. */
export interface ServerHandleLike {
  url: string;
  adminToken: string;
  close(): Promise<void>;
  status(): ServerStatus;
  onStatus(cb: (s: ServerStatus) => void): () => void;
}

/** Starts the server on the given port (`undefined`: the configured one; `0`: any free port). */
export type StartFn = (port: number | undefined) => Promise<ServerHandleLike>;

/** True for the error a listen() on a taken port fails with. */
export function isAddressInUse(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    if ((e as { code?: unknown }).code === 'EADDRINUSE') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** A short, secret-free reason for a start failure. */
function reasonOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 300);
}

export class ServerController {
  private handle: ServerHandleLike | undefined;
  private unsubscribe: (() => void) | undefined;
  private current: ServerStatus = { state: 'stopped' };
  private busy: Promise<void> | undefined;
  private readonly listeners = new Set<(s: ServerStatus) => void>();

  constructor(private readonly start: StartFn) {}

  /** The server's status; `stopped` when it is not running. */
  status(): ServerStatus { return this.current; }
  /** The server's URL while it runs. */
  url(): string | undefined { return this.handle?.url; }
  adminToken(): string | undefined { return this.handle?.adminToken; }
  /** True while a start or stop is in progress. */
  inTransition(): boolean { return this.busy !== undefined; }

  /** Calls `cb` on every status change; returns an unsubscribe function. */
  onChange(cb: (s: ServerStatus) => void): () => void {
    this.listeners.add(cb);
    return () => { this.listeners.delete(cb); };
  }

  private set(s: ServerStatus): void {
    this.current = s;
    for (const cb of [...this.listeners]) cb(s);
  }

  /** Starts the server if it is not running. Never throws: a failure becomes the `error` status. */
  startServer(): Promise<void> {
    if (this.handle) return Promise.resolve();
    return this.serialize(async () => {
      if (this.handle) return;
      this.set({ state: 'starting' });
      let handle: ServerHandleLike;
      try {
        try {
          handle = await this.start(undefined);
        } catch (err) {
          if (!isAddressInUse(err)) throw err;
          handle = await this.start(0);
        }
      } catch (err) {
        this.set({ state: 'error', reason: `the server did not start: ${reasonOf(err)}` });
        return;
      }
      this.handle = handle;
      this.unsubscribe = handle.onStatus((s) => { if (this.handle === handle) this.set(s); });
      this.set(handle.status());
    });
  }

  /** Stops the server gracefully (in-flight requests finish within its grace period). */
  stopServer(): Promise<void> {
    return this.serialize(async () => {
      const handle = this.handle;
      if (!handle) return;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.handle = undefined;
      try {
        await handle.close();
        this.set({ state: 'stopped' });
      } catch (err) {
        this.set({ state: 'error', reason: `the server did not stop cleanly: ${reasonOf(err)}` });
      }
    });
  }

  /** Runs start/stop one at a time. */
  private serialize(task: () => Promise<void>): Promise<void> {
    const prev = this.busy ?? Promise.resolve();
    const next = prev.then(task).finally(() => { if (this.busy === next) this.busy = undefined; });
    this.busy = next;
    return next;
  }
}
