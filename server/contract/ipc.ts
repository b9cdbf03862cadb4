// Owns the desktop IPC contract between the Electron main process (app/main), its preload
// (app/preload) and the renderer: channel names, argument and result schemas, the server status
// event and the typed bridge the preload exposes as `window.hearth`. Wire types only, no Node code.
import { z } from 'zod';

/** The server's lifecycle state as the desktop shell and tray see it. */
export const ServerState = z.enum(['starting', 'ready', 'busy', 'loading', 'error', 'stopped']);
export type ServerState = z.infer<typeof ServerState>;

/** What `startServer(...).status()` returns and `onStatus` reports. */
export const ServerStatus = z.object({
  state: ServerState,
  /** Why it is not ready (loading a model, worker crashed, ...). Never contains a secret. */
  reason: z.string().max(2000).optional(),
});
export type ServerStatus = z.infer<typeof ServerStatus>;

/** A warning the desktop shell shows to the person (e.g. secrets stored without an OS keyring). */
export const AppWarning = z.object({
  code: z.enum(['SECRETS_PLAINTEXT', 'SECRETS_UNAVAILABLE', 'SERVER_START_FAILED', 'SETTINGS_FROM_BACKUP']),
  message: z.string().max(2000),
});
export type AppWarning = z.infer<typeof AppWarning>;

/** The status event pushed to the window: the server's status plus the shell's warnings. */
export const StatusEvent = z.object({
  server: ServerStatus,
  warnings: z.array(AppWarning).max(16),
});
export type StatusEvent = z.infer<typeof StatusEvent>;

/** Channel names. `invoke` channels are answered by main; `push` channels are sent by main. */
export const IPC_CHANNELS = {
  serverUrl: 'hearth:server-url',
  adminToken: 'hearth:admin-token',
  status: 'hearth:status',
  statusEvent: 'hearth:status-event',
} as const;

/** Arguments and result of each invoke channel (args as a tuple, after the event). */
export const IPC_INVOKE = {
  [IPC_CHANNELS.serverUrl]: { args: z.tuple([]), result: z.string().url() },
  [IPC_CHANNELS.adminToken]: { args: z.tuple([]), result: z.string().min(1) },
  [IPC_CHANNELS.status]: { args: z.tuple([]), result: StatusEvent },
} as const;
export type InvokeChannel = keyof typeof IPC_INVOKE;
export type InvokeResult<C extends InvokeChannel> = z.infer<(typeof IPC_INVOKE)[C]['result']>;

/** The payload of each push channel. */
export const IPC_PUSH = {
  [IPC_CHANNELS.statusEvent]: StatusEvent,
} as const;

/** The API the preload exposes to the window as `window.hearth` (absent in a plain browser). */
export interface HearthBridge {
  /** The base URL of the embedded server, e.g. `http://127.0.0.1:7433`. */
  serverUrl(): Promise<InvokeResult<typeof IPC_CHANNELS.serverUrl>>;
  /** The admin token, answered only to the app's own window. */
  adminToken(): Promise<InvokeResult<typeof IPC_CHANNELS.adminToken>>;
  /** Calls `cb` with the current status, then on every change; returns an unsubscribe function. */
  onStatus(cb: (event: StatusEvent) => void): () => void;
}
