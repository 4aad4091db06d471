import { AppError } from '../errors.js';

export type FileStoreErrorCode =
  /** The content is none of PDF, JPEG, PNG (or the declared type names another kind). */
  | 'type_not_allowed'
  /** The declared Content-Type is an accepted type, but not the one the content is. */
  | 'type_mismatch'
  | 'empty'
  | 'too_large'
  /** Not 64 lowercase hex digits: never a path. */
  | 'invalid_name'
  | 'not_found';

/** What the file store refuses; callers branch on `code`. */
export class FileStoreError extends Error {
  override readonly name = 'FileStoreError';
  constructor(
    readonly code: FileStoreErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function mib(bytes: number): string {
  const m = bytes / (1024 * 1024);
  return Number.isInteger(m) ? `${m} MiB` : `${bytes} bytes`;
}

/**
 * The API error for a file store error, so routes can `throw fileErrorToAppError(err)` for
 * anything they catch: other errors come back unchanged.
 */
export function fileErrorToAppError(err: unknown): unknown {
  if (!(err instanceof FileStoreError)) return err;
  switch (err.code) {
    case 'type_not_allowed':
      return new AppError('file_type_not_allowed', undefined, err.details);
    case 'type_mismatch':
      return new AppError(
        'file_type_mismatch',
        `The file's content is ${err.details?.detected}, not the ${err.details?.declared} its Content-Type says.`,
        err.details,
      );
    case 'empty':
      return new AppError('file_empty');
    case 'too_large': {
      const max = err.details?.maxBytes as number;
      return new AppError('file_too_large', `Evidence files are at most ${mib(max)}.`, {
        maxBytes: max,
      });
    }
    case 'invalid_name':
    case 'not_found':
      return new AppError('not_found', 'No such file.');
  }
}
