/**
 * Tracks the emulator's background work (webhook deliveries and their retries, work deferred until after
 * a response) so tests can wait for all of it with `flushWebhooks()` and `stop()` can wind it down.
 */
export class TaskTracker {
  private readonly running = new Set<Promise<void>>();
  private readonly controller = new AbortController();

  /** Aborted when the emulator stops: sleeping retries give up at once. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  run(task: () => Promise<void>, onError: (error: unknown) => void): void {
    const promise = Promise.resolve()
      .then(task)
      .catch(onError)
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  /** Resolves once nothing is running, including work started by work that was running. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.drain();
  }
}

/** setTimeout as a promise that rejects when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
