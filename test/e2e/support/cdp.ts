import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.ts';

/**
 * Chromium driven over raw CDP, for what Playwright hides: its pages are always visible with
 * unthrottled timers (it passes `--disable-background-timer-throttling` and friends and emulates
 * focus). Here a tab opened with `background: true` is really hidden (`visibilityState` 'hidden',
 * timers on 1 s wake-ups) and can be frozen with `Page.setWebLifecycleState`.
 */
export interface CdpBrowser {
  /** Open a tab: `hidden` puts it in the background of the first window, otherwise it gets its own (visible) window. */
  open(url: string, options: { readonly hidden: boolean }): Promise<CdpTab>;
  close(): Promise<void>;
}

/** One tab, attached with a flat session. */
export interface CdpTab {
  /** Evaluate an expression in the page (awaiting a promise), returning its value. */
  evaluate<T>(expression: string): Promise<T>;
  /** Page Lifecycle: 'frozen' pauses the page's tasks (only when it is hidden), 'active' resumes them. */
  setLifecycle(state: 'frozen' | 'active'): Promise<void>;
  /** Navigate the tab (`Page.navigate`); resolves when the navigation is committed or fails. */
  navigate(url: string): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Spawn Chromium with a DevTools port and its own profile; never skipped (fails clearly when missing). */
export async function launchCdpChromium(): Promise<CdpBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'kyq-cdp-'));
  // Detached: Debian's /usr/bin/chromium is a wrapper script; killing the group ends the real browser too.
  const child: ChildProcess = spawn(CHROMIUM, [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${CHROMIUM} printed no DevTools endpoint within 20 s: ${buffer.slice(-500)}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(buffer);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${CHROMIUM} exited (${String(code)}) before its DevTools endpoint: ${buffer.slice(-500)}`));
    });
  });
  const socket = new WebSocket(endpoint);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to ${endpoint}`)), { once: true });
  });
  let nextId = 0;
  const pending = new Map<number, Pending>();
  socket.addEventListener('message', (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    if (message.error !== undefined) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
    });

  return {
    async open(url, { hidden }) {
      const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url, ...(hidden ? { background: true } : { newWindow: true }) });
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      await send('Page.enable', {}, sessionId);
      return {
        async evaluate<T>(expression: string): Promise<T> {
          const { result, exceptionDetails } = await send<{ result: { value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
            'Runtime.evaluate',
            { expression, awaitPromise: true, returnByValue: true },
            sessionId,
          );
          if (exceptionDetails !== undefined) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
          return result.value as T;
        },
        async setLifecycle(state) {
          await send('Page.setWebLifecycleState', { state }, sessionId);
        },
        async navigate(url) {
          await send('Page.navigate', { url }, sessionId);
        },
        async close() {
          await send('Target.closeTarget', { targetId });
        },
      };
    },
    async close() {
      try {
        await Promise.race([send('Browser.close'), new Promise((resolve) => setTimeout(resolve, 3000))]);
      } catch {
        // Closing anyway.
      }
      socket.close();
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
