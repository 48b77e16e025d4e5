/**
 * The audit log (`opensts serve --audit-log PATH`): one JSON line per Query API request (audit-event.ts), appended
 * to a file or written to stdout (`-`).
 *
 * Writes never wait on the disk: the lines of one turn of the event loop are joined and handed together to a
 * sonic-boom stream (pino's destination), which has at most one write in flight and appends what arrives meanwhile
 * to the next one; so a busy server writes in batches and an idle one at once. (Handing it each line costs several
 * µs more per request: it concatenates and measures its buffer on every write.) Each write holds whole lines and the
 * file is opened with O_APPEND, so the workers of a cluster each append to the same file without interleaving.
 */
import { open } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { Logger } from 'pino';
import type { AuditEvent } from './audit-event.js';

/** Lines held in memory while the disk lags behind; beyond this, events are dropped (and said so in the log). */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

type Destination = ReturnType<typeof pino.destination>;

export class AuditLog {
  private closed = false;
  /** The lines of the current turn of the event loop. */
  private batch: string[] = [];
  private readonly writeBatch = () => {
    if (this.batch.length === 0) return; // flush() wrote it already
    this.out.write(this.batch.join(''));
    this.batch = [];
  };
  private constructor(private readonly out: Destination, private readonly toStdout: boolean) {}

  /**
   * Resolves once the file is open (created with mode 0600: it names every caller): a log that cannot be written
   * stops the start rather than leaving the server unaudited. Opened here, not by sonic-boom, whose failed opens
   * only surface as events.
   */
  static async open(path: string, log: Logger): Promise<AuditLog> {
    let fd = 1;
    if (path !== '-') {
      await mkdir(dirname(path), { recursive: true });
      fd = await promisify(open)(path, 'a', 0o600);
    }
    const out = pino.destination({
      fd, sync: false, maxLength: MAX_BUFFERED_BYTES,
      // Any line starts a write at once (no waiting for a batch to fill); unlike 0, 1 makes flush() wait for the disk.
      minLength: 1,
    });
    let dropped = 0;
    out.on('drop', () => {
      if (dropped++ % 1000 === 0) log.error({ batches: dropped }, 'audit log: the destination lags behind; events dropped');
    });
    out.on('error', (err: unknown) => log.error({ err }, 'audit log: write failed'));
    return new AuditLog(out, path === '-');
  }

  record(event: AuditEvent): void {
    // A request cut off by shutdown may finish after close(): its event has nowhere to go.
    if (this.closed) return;
    if (this.batch.length === 0) setImmediate(this.writeBatch);
    this.batch.push(JSON.stringify(event) + '\n');
  }

  /** Resolves once every line recorded so far is written. */
  flush(): Promise<void> {
    this.writeBatch();
    return new Promise((resolve, reject) => this.out.flush((err) => (err ? reject(err) : resolve())));
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    if (this.toStdout) return; // stdout stays open for the rest of the process
    await new Promise<void>((resolve) => {
      this.out.once('close', () => resolve());
      this.out.end();
    });
  }
}
