import { RestError } from '@azure/data-tables';
import { RestError as BlobRestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { againIfCut, answerWasCut, blobReadWasCut } from '../../src/lib/storage/retryOnCut.js';

const FAST = { attempts: 4, baseDelayMs: 1 };
const cut = () => new RestError('aborted', { code: RestError.PARSE_ERROR });

/** An operation that fails with the given errors in turn, then answers `done`. */
function failing(...errors: Error[]) {
  let calls = 0;
  const operation = async (): Promise<string> => {
    const error = errors[calls++];
    if (error) throw error;
    return 'done';
  };
  return { operation, calls: () => calls };
}

describe('againIfCut', () => {
  it('sends again an answer cut while read, and answers what the next attempt got', async () => {
    const { operation, calls } = failing(cut(), cut());
    await expect(againIfCut(operation, answerWasCut, FAST)).resolves.toBe('done');
    expect(calls()).toBe(3);
  });

  it('gives up after the last attempt with the cut itself', async () => {
    const { operation, calls } = failing(cut(), cut(), cut(), cut(), cut());
    await expect(againIfCut(operation, answerWasCut, FAST)).rejects.toMatchObject({ code: RestError.PARSE_ERROR });
    expect(calls()).toBe(4);
  });

  it('does not repeat what the service answered (a status) or any other failure', async () => {
    for (const error of [
      new RestError('conflict', { statusCode: 409 }),
      new RestError('busy', { statusCode: 503, code: RestError.PARSE_ERROR }),
      new Error('bug'),
    ]) {
      const { operation, calls } = failing(error);
      await expect(againIfCut(operation, answerWasCut, FAST)).rejects.toBe(error);
      expect(calls()).toBe(1);
    }
  });

  it('knows a cut from either SDK; an abort counts only for blob reads', () => {
    expect(answerWasCut(new BlobRestError('aborted', { code: BlobRestError.PARSE_ERROR }))).toBe(true);
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(answerWasCut(aborted)).toBe(false);
    expect(blobReadWasCut(aborted)).toBe(true);
    expect(blobReadWasCut(cut())).toBe(true);
    expect(blobReadWasCut(new Error('PARSE_ERROR'))).toBe(false);
  });
});
