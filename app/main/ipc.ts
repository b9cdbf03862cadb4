// Owns the main-process IPC handlers: each checks that its sender is the app's own top-level
// window on the server's origin, validates its arguments and its result against the contract in
// server/contract/ipc.ts. Pure factory (structural types for the event and ipcMain) so it is
// testable without Electron; main.ts passes the real ipcMain.
import { IPC_INVOKE, type InvokeChannel, type InvokeResult, type StatusEvent } from '../../server/contract/ipc.js';
import { originOf } from './window-options.js';

/** The parts of Electron's IpcMainInvokeEvent the handlers read. */
export interface IpcEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}

/** The part of Electron's ipcMain the handlers are registered on. */
export interface IpcMainLike<E extends IpcEventLike = IpcEventLike> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Electron declares the args as any[]
  handle(channel: string, listener: (event: E, ...args: any[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** What the handlers answer from. Each returns undefined while the server is not running. */
export interface IpcDeps {
  serverUrl(): string | undefined;
  adminToken(): string | undefined;
  status(): StatusEvent;
}

/** Thrown to the renderer (as a rejected invoke) for an untrusted sender or bad arguments. */
export class IpcRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpcRefused';
  }
}

/**
 * True when the event comes from a top-level frame whose URL has the server's origin. Subframes,
 * other origins, `file:` pages and destroyed frames are untrusted.
 */
export function isTrustedSender(event: IpcEventLike, serverUrl: string | undefined): boolean {
  const frame = event?.senderFrame;
  if (!frame || typeof frame.url !== 'string') return false;
  if (frame.parent !== null) return false;
  const expected = serverUrl ? originOf(serverUrl) : undefined;
  if (!expected) return false;
  return originOf(frame.url) === expected;
}

export type IpcHandler = (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>;

/** The handler of every invoke channel in the contract. */
export function createIpcHandlers(deps: IpcDeps): Record<InvokeChannel, IpcHandler> {
  function guarded<C extends InvokeChannel>(channel: C, answer: () => InvokeResult<C> | undefined): IpcHandler {
    const spec = IPC_INVOKE[channel];
    return async (event, ...args) => {
      if (!isTrustedSender(event, deps.serverUrl())) throw new IpcRefused(`${channel}: untrusted sender`);
      if (!spec.args.safeParse(args).success) throw new IpcRefused(`${channel}: invalid arguments`);
      const value = answer();
      if (value === undefined) throw new IpcRefused(`${channel}: the server is not running`);
      const checked = spec.result.safeParse(value);
      if (!checked.success) throw new IpcRefused(`${channel}: invalid result`);
      return checked.data;
    };
  }
  return {
    'hearth:server-url': guarded('hearth:server-url', () => deps.serverUrl()),
    'hearth:admin-token': guarded('hearth:admin-token', () => deps.adminToken()),
    'hearth:status': guarded('hearth:status', () => deps.status()),
  };
}

/** Registers every handler on ipcMain; returns a function that removes them. */
export function registerIpcHandlers<E extends IpcEventLike>(ipcMain: IpcMainLike<E>, handlers: Record<InvokeChannel, IpcHandler>): () => void {
  const channels = Object.keys(handlers) as InvokeChannel[];
  for (const ch of channels) ipcMain.handle(ch, handlers[ch]);
  return () => { for (const ch of channels) ipcMain.removeHandler(ch); };
}
