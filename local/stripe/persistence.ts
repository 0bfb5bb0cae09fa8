/**
 * Optional JSON persistence of the emulator state, so restarts of `npm start` keep accounts, payments
 * and webhook endpoints. Writes are debounced, serialised and atomic (temp file + rename).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Store, StoreSnapshot } from './store.js';

const DEBOUNCE_MS = 100;

export class Persistence {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly store: Store,
    private readonly log: (line: string) => void,
  ) {}

  /** Restores the store from the file; a missing file means a fresh start. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`Cannot read Stripe emulator state from ${this.file}`, { cause: error });
    }
    let snapshot: StoreSnapshot;
    try {
      snapshot = JSON.parse(text) as StoreSnapshot;
    } catch (error) {
      throw new Error(`Stripe emulator state file ${this.file} is not valid JSON`, { cause: error });
    }
    if (snapshot.version !== 1) {
      throw new Error(
        `Stripe emulator state file ${this.file} has unknown version ${String(snapshot.version)}`,
      );
    }
    this.store.restore(snapshot);
    this.log(`restored state from ${this.file}`);
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((error: unknown) => this.log(`saving state failed: ${String(error)}`));
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Writes the current state now (after any write in progress). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const json = JSON.stringify(this.store.snapshot());
    this.writing = this.writing.catch(() => undefined).then(() => this.write(json));
    return this.writing;
  }

  private async write(json: string): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, json, 'utf8');
    await rename(temp, this.file);
  }
}
