import { describe, expect, it } from 'vitest';
import { ConsumedBytesTracker, digestOf, HEAD_BYTES, TAIL_BYTES } from '../../src/lib/processing/fileIdentity.js';
import { rng } from '../support/random.js';

describe('ConsumedBytesTracker', () => {
  it('keeps the fingerprints of the first bytes and of the bytes before the position, whatever the pieces and positions', () => {
    const random = rng(7);
    const file = Buffer.from(Array.from({ length: 6000 }, () => Math.floor(random() * 256)));
    for (let trial = 0; trial < 300; trial++) {
      const offset = trial % 3 === 0 ? 0 : Math.floor(random() * 3000);
      const beforeLength = Math.min(offset, trial % 5 === 0 ? 0 : TAIL_BYTES);
      const tracker = new ConsumedBytesTracker(offset, file.subarray(offset - beforeLength, offset));
      let read = offset;
      let position = offset;
      let lastPieceStart = offset;
      while (read < file.length) {
        lastPieceStart = read;
        const piece = file.subarray(read, Math.min(file.length, read + 1 + Math.floor(random() * 900)));
        read += piece.length;
        // The position moves forward, often lagging behind what was read (a line waits for its end).
        if (random() < 0.7) position = Math.max(position, read - Math.floor(random() * Math.min(piece.length + 100, read - position + 1)));
        position = Math.min(Math.max(position, offset), read);
        tracker.add(piece, position);
      }
      const fingerprints = tracker.fingerprints(position);
      // Always the digest of the bytes right before the position; all TAIL_BYTES of them (or all there are) when the
      // position moved within the last piece, as the framer's does; none only when it lags too far behind the reads.
      const length = fingerprints.tailFingerprintLength ?? 0;
      if (fingerprints.tailFingerprint !== undefined) expect(fingerprints.tailFingerprint).toBe(digestOf(file.subarray(position - length, position)));
      if (position >= lastPieceStart) expect(length).toBe(position - Math.max(offset - beforeLength, position - TAIL_BYTES));
      expect(fingerprints.tailFingerprint !== undefined || position < read - TAIL_BYTES).toBe(true);
      if (offset - beforeLength === 0) {
        expect(fingerprints.fingerprint).toBe(digestOf(file.subarray(0, Math.min(HEAD_BYTES, position))));
      } else {
        expect(fingerprints.fingerprint).toBeUndefined();
      }
    }
  });
});
