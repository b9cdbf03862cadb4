// Owns how the desktop app protects upstream API keys at rest: sealed with Electron's safeStorage
// (OS keychain / DPAPI / libsecret) where it is really available, with a visible warning when
// Linux falls back to the `basic_text` backend (a fixed, well-known key) or has no encryption at
// all. The decision and the sealing format are pure; main.ts passes the real safeStorage.
import type { AppWarning } from '../../server/contract/ipc.js';

/** The part of Electron's safeStorage this module uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

export type SecretProtection =
  /** Encrypted with a key the OS keeps (keychain, DPAPI, libsecret, kwallet). */
  | 'os-encrypted'
  /** Linux `basic_text`: encrypted with a hard-coded key; readable by anyone with the file. */
  | 'obfuscated'
  /** No encryption: keys are kept in memory for this session only and never written. */
  | 'unavailable';

export interface SecretDecision {
  protection: SecretProtection;
  /** Shown to the person (status event and tray tooltip) when protection is not `os-encrypted`. */
  warning?: AppWarning;
}

/** Decides how secrets are protected on this machine. */
export function decideSecretProtection(input: { platform: NodeJS.Platform; encryptionAvailable: boolean; backend?: string }): SecretDecision {
  if (!input.encryptionAvailable) {
    return {
      protection: 'unavailable',
      warning: {
        code: 'SECRETS_UNAVAILABLE',
        message: 'No OS key store is available: upstream API keys are kept in memory for this session only and must be re-entered after a restart.',
      },
    };
  }
  if (input.platform === 'linux' && (input.backend === 'basic_text' || input.backend === 'unknown')) {
    return {
      protection: 'obfuscated',
      warning: {
        code: 'SECRETS_PLAINTEXT',
        message: 'No desktop keyring (GNOME Keyring or KWallet) was found: upstream API keys are stored with a fixed key, readable by anyone who can read your data folder. Install a keyring, or set keys through HEARTH_UPSTREAM_<NAME>_KEY.',
      },
    };
  }
  return { protection: 'os-encrypted' };
}

/** Prefix of a sealed secret, so an unsealed value is never mistaken for one. */
const SEALED_PREFIX = 'safe:v1:';

export interface SecretBox {
  decision: SecretDecision;
  /** Seals a secret for storage; throws when protection is `unavailable` (nothing may be written). */
  seal(plain: string): string;
  /** Opens a sealed secret; throws on a value this box did not seal. */
  open(sealed: string): string;
  isSealed(value: string): boolean;
}

/** A SecretBox over a safeStorage-like object. Call after Electron's `ready` event. */
export function createSecretBox(storage: SafeStorageLike, platform: NodeJS.Platform): SecretBox {
  const encryptionAvailable = storage.isEncryptionAvailable();
  const backend = platform === 'linux' && encryptionAvailable ? storage.getSelectedStorageBackend?.() : undefined;
  const decision = decideSecretProtection({ platform, encryptionAvailable, ...(backend ? { backend } : {}) });
  const isSealed = (value: string) => value.startsWith(SEALED_PREFIX);
  return {
    decision,
    isSealed,
    seal(plain) {
      if (decision.protection === 'unavailable') throw new Error('secrets cannot be stored: no encryption is available');
      return SEALED_PREFIX + storage.encryptString(plain).toString('base64');
    },
    open(sealed) {
      if (!isSealed(sealed)) throw new Error('not a sealed secret');
      return storage.decryptString(Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64'));
    },
  };
}
