/**
 * The audit log (`opensts serve --audit-log PATH`): one JSON line per Query API request (audit-event.ts), appended
 * to a file or written to stdout (`-`).
 *
 * Writes never wait on the disk: the lines of one turn of the event loop are joined and handed together to a
 * sonic-boom stream (pino's destination), which has at most one write in flight and appends what arrives meanwhile
 * to the next one; so a busy server writes in batches and an idle one at once. (Handing it each line costs several
 * µs more per request: it concatenates and measures its buffer on every write.) Each write holds whole lines and the
 * file is opened with O_APPEND, so the workers of a cluster each append to the same file without interleaving.
 *
 * For log rotation, SIGHUP makes every process reopen the path (`opensts serve` wires it): rename the file, send
 * SIGHUP, and the lines recorded before go to the renamed file, the ones after to a new one; none is lost.
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
  private constructor(
    private out: Destination,
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  /**
   * Resolves once the file is open (created with mode 0600: it names every caller): a log that cannot be written
   * stops the start rather than leaving the server unaudited. Opened here, not by sonic-boom, whose failed opens
   * only surface as events.
   */
  static async open(path: string, log: Logger): Promise<AuditLog> {
    return new AuditLog(await destination(path, log), path, log);
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
    return flushed(this.out);
  }

  /**
   * Opens the path anew (a log rotation renamed the file): lines recorded from now on go to the new file, the ones
   * before still to the old one, which is closed once they are written. Stdout stays as it is. Never rejects: a path
   * that cannot be opened is logged and the old file kept.
   */
  async reopen(): Promise<void> {
    if (this.path === '-' || this.closed) return;
    let next: Destination;
    try {
      next = await destination(this.path, this.log);
    } catch (err) {
      this.log.error({ err }, 'audit log: could not reopen the file; still writing to the old one');
      return;
    }
    if (this.closed) return void end(next);
    this.writeBatch();
    const old = this.out;
    this.out = next;
    await end(old);
  }

  /** Writes what is buffered and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writeBatch();
    // Stdout stays open for the rest of the process.
    await (this.path === '-' ? flushed(this.out) : end(this.out));
  }
}

async function destination(path: string, log: Logger): Promise<Destination> {
  let fd = 1;
  if (path !== '-') {
    await mkdir(dirname(path), { recursive: true });
    fd = await promisify(open)(path, 'a', 0o600);
  }
  const out = pino.destination({
    fd,
    sync: false,
    maxLength: MAX_BUFFERED_BYTES,
    // Any line starts a write at once (no waiting for a batch to fill); unlike 0, 1 makes flush() wait for the disk.
    minLength: 1,
  });
  let dropped = 0;
  out.on('drop', () => {
    if (dropped++ % 1000 === 0)
      log.error({ batches: dropped }, 'audit log: the destination lags behind; events dropped');
  });
  out.on('error', (err: unknown) => log.error({ err }, 'audit log: write failed'));
  return out;
}

const flushed = (out: Destination) =>
  new Promise<void>((resolve, reject) => out.flush((err) => (err ? reject(err) : resolve())));

/** Writes what the destination holds, then closes its file. */
async function end(out: Destination): Promise<void> {
  await flushed(out);
  await new Promise<void>((resolve) => {
    out.once('close', () => resolve());
    out.end();
  });
}
