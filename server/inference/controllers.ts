// Owns the AbortControllers of inference requests, reused when a request finished without firing
// its signal: in Node 20, making an AbortSignal (an EventTarget whose prototype is then reset) is the
// costliest single step of starting a request (bench/PROXY-NOTES.md). A controller goes back only
// when its signal never fired and nothing listens to it any more (an `onabort` handler counts as a
// listener), so no listener of an earlier request can hear a later one.
import { getEventListeners } from 'node:events';

/** At most this many controllers wait for reuse. */
const MAX_SPARE = 64;
const spare: AbortController[] = [];

/** A controller whose signal has not fired and has no listeners. */
export function takeController(): AbortController {
  return spare.pop() ?? new AbortController();
}

/** Hands `ac` back once its request is over; kept only if its signal never fired and is unobserved. */
export function giveBackController(ac: AbortController): void {
  const s = ac.signal;
  if (spare.length < MAX_SPARE && !s.aborted && getEventListeners(s, 'abort').length === 0) spare.push(ac);
}
