/**
 * The data dir holds the database and the master key: it is 0700 and they are 0600, whatever the umask. Files and
 * directories made before this rule (or by hand) are tightened when opened, if they are ours: one owned by another
 * user (a key the operator made readable to our group) is theirs to set.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and its parents) if missing, then tightens it to 0700. */
export function makePrivateDir(dir: string): void {
  // mkdir's mode is masked by the umask, which can only take bits away from 0700.
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir, PRIVATE_DIR_MODE);
}

/** Takes away what `mode` does not allow from an existing file or directory of ours; a missing one is left alone. */
export function tighten(path: string, mode: number): void {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if ((st.mode & 0o777 & ~mode) === 0) return;
  if (process.getuid !== undefined && st.uid !== process.getuid()) return;
  chmodSync(path, st.mode & 0o777 & mode);
}
