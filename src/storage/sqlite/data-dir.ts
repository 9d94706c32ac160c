// The data directory and database file: created private (0700 and 0600), and a
// failure to make or open them explained in one line that names the path.
import { closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Mode of a data directory the server creates: only its owner may enter it. */
export const DATA_DIR_MODE = 0o700;
/** Mode of the files the server creates in it (SQLite gives -wal and -shm the database's mode). */
export const DATA_FILE_MODE = 0o600;

/** The data directory or database cannot be used; the message names the path and why. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

/**
 * One line saying why `doing` (e.g. "cannot create data directory") failed on
 * `path`, from the errno code Node reports; `denied` explains a permission error.
 */
export function explainFsError(err: unknown, doing: string, path: string, denied: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why: Record<string, string> = {
    EACCES: `permission denied (${denied})`,
    EPERM: `operation not permitted (${denied})`,
    EEXIST: 'it exists but is not a directory',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EISDIR: 'it is a directory, not a file',
    ELOOP: 'too many symbolic links',
  };
  return `${doing} ${path}: ${(code && why[code]) ?? (err as Error)?.message ?? String(err)}`;
}

/**
 * Makes sure the database file can be opened: creates its directory (0700) and
 * the file itself (0600) when missing. Throws DataDirError naming the path.
 */
export function prepareDatabaseFile(file: string): void {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  } catch (err) {
    const denied = 'a parent directory is not writable by this user';
    throw new DataDirError(explainFsError(err, 'cannot create data directory', dir, denied));
  }
  // mkdir succeeds on an existing path only when it is a directory, but say so plainly.
  if (!statSync(dir).isDirectory()) {
    throw new DataDirError(`cannot use data directory ${dir}: it is not a directory`);
  }
  try {
    // Created here rather than by SQLite, whose default is 0644.
    closeSync(openSync(file, constants.O_RDWR | constants.O_CREAT, DATA_FILE_MODE));
  } catch (err) {
    const denied = 'the data directory or the file is not writable by this user';
    throw new DataDirError(explainFsError(err, 'cannot open database file', file, denied));
  }
}

/** The line for an error SQLite raised while opening `file`, or undefined if it is not one. */
export function explainSqliteOpenError(err: unknown, file: string): string | undefined {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code !== 'string' || !e.code.startsWith('SQLITE_')) return undefined;
  const prefix = `cannot open database file ${file}`;
  if (e.code === 'SQLITE_NOTADB') return `${prefix}: it is not a SQLite database`;
  if (e.code.startsWith('SQLITE_CANTOPEN') || e.code.startsWith('SQLITE_READONLY')) {
    return `${prefix}: ${e.message} (the data directory must be writable: SQLite keeps -wal and -shm files beside the database)`;
  }
  return `${prefix}: ${e.message}`;
}

/** The permission bits of `path` as octal text (`"755"`) when group or others have any, else undefined. */
export function openMode(path: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
  return (mode & 0o077) === 0 ? undefined : mode.toString(8).padStart(3, '0');
}
