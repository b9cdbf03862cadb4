// Owns the window's bridge to the main process: exposes `window.hearth` (HearthBridge from
// server/contract/ipc.ts) through contextBridge and nothing else. Runs sandboxed, so it is
// compiled to CommonJS (app/preload/package.json) and may require only `electron`: the contract
// is imported for types only and the channel names are repeated here (a test keeps them equal).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { HearthBridge, StatusEvent } from '../../server/contract/ipc.js';

/** Must equal IPC_CHANNELS in server/contract/ipc.ts (test/unit/app/preload.test.ts checks). */
const PRELOAD_CHANNELS = {
  serverUrl: 'hearth:server-url',
  adminToken: 'hearth:admin-token',
  status: 'hearth:status',
  statusEvent: 'hearth:status-event',
} as const;

const bridge: HearthBridge = {
  serverUrl: () => ipcRenderer.invoke(PRELOAD_CHANNELS.serverUrl) as Promise<string>,
  adminToken: () => ipcRenderer.invoke(PRELOAD_CHANNELS.adminToken) as Promise<string>,
  onStatus(cb) {
    let active = true;
    const listener = (_e: IpcRendererEvent, event: StatusEvent) => { if (active) cb(event); };
    ipcRenderer.on(PRELOAD_CHANNELS.statusEvent, listener);
    void (ipcRenderer.invoke(PRELOAD_CHANNELS.status) as Promise<StatusEvent>).then((event) => { if (active) cb(event); }, () => undefined);
    return () => {
      active = false;
      ipcRenderer.removeListener(PRELOAD_CHANNELS.statusEvent, listener);
    };
  },
};

contextBridge.exposeInMainWorld('hearth', bridge);
