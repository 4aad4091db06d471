import { type Static, Type } from 'typebox';
import { EvidenceMediaType } from './spending.js';
import { Sha256 } from './values.js';

/** Evidence files, content-addressed by their SHA-256 (apps/server/src/files/). */

/** The answer of an upload: where the file is now served, by its hash. */
export const UploadedFile = Type.Object({
  sha256: Sha256,
  mediaType: EvidenceMediaType,
  size: Type.Integer({ minimum: 1 }),
  url: Type.String(),
});
export type UploadedFile = Static<typeof UploadedFile>;

export const FileParams = Type.Object({ sha256: Sha256 });
