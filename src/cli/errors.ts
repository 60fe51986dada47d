/** A mistake in how the command was called: reported with usage help and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command did its work but ends with another exit code (e.g. `health --fail-on-degraded`); the message is printed as the reason. */
export class ExitStatus extends Error {
  override readonly name = 'ExitStatus';

  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Files failed: the run finished every other file, and exits 1 saying how many and where to look. */
export function filesFailed(failed: number, total: number): ExitStatus {
  return new ExitStatus(
    `${failed} of ${total} file(s) failed (storage or processing errors, not bad lines; the others were processed): ` +
      `see "acs-logs health" for each file's last error; later runs retry them`,
    1,
  );
}

/** Folders beneath the inputs could not be listed: every file that could be found was processed, and the run exits 1. */
export function foldersUnreadable(folders: readonly string[]): ExitStatus {
  return new ExitStatus(
    `${folders.length} folder(s) or link(s) could not be listed, so their files were not read (the others were processed): ${folders.join(', ')}; ` +
      `fix their permissions, links or names (the errors above say which) and run again`,
    1,
  );
}
