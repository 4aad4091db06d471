// @goodtrace/ledger — Goodtrace's verifiable log, interoperable with the C2SP / Go transparency-log
// ecosystem: RFC 9162 Merkle trees and proofs, C2SP signed-note / tlog-checkpoint /
// tlog-cosignature / tlog-tiles, RFC 8785 canonical events, and end-to-end receipt verification.
// Pure and isomorphic: Uint8Array in and out, no I/O, no Node built-ins.

export { decodeBase64, encodeBase64 } from './base64.js';
// The canonical-JSON check of text, for callers that refuse such text before it reaches an event.
export { hasLoneSurrogate } from './bytes.js';
export { type Checkpoint, formatCheckpoint, parseCheckpoint } from './checkpoint.js';
export { CompactRange, type NodeVisitor } from './compact-range.js';
export { cosign, cosignatureMessage, verifyCosignature } from './cosignature.js';
export {
  type CryptoProvider,
  getCryptoProvider,
  nobleProvider,
  setCryptoProvider,
} from './crypto.js';
export { donorCommitment, parseDonorSecret } from './donor.js';
export {
  isLedgerError,
  LEDGER_ERROR_CODES,
  LedgerError,
  type LedgerErrorCode,
} from './errors.js';
export {
  canonicalJson,
  canonicalJsonBytes,
  encodeEvent,
  hashEvent,
  type JsonValue,
  type LedgerEvent,
} from './jcs.js';
export {
  emptyRoot,
  type HashAt,
  hashChildren,
  hashLeaf,
  type NodeId,
  proveConsistency,
  proveInclusion,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export {
  computeKeyId,
  encodeVerifierKey,
  generateSignerKey,
  isValidKeyName,
  KEY_TYPE_COSIGNATURE_V1,
  KEY_TYPE_ED25519,
  MAX_SIGNATURES,
  type NoteSignature,
  type OpenedNote,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  type Signer,
  signNote,
  splitNote,
  type Verifier,
} from './note.js';
export {
  createReceipt,
  type ParsedTrustPolicy,
  parseTrustPolicy,
  type Receipt,
  type TrustPolicy,
  type VerifiedCheckpoint,
  type VerifiedReceipt,
  verifyCheckpoint,
  verifyReceipt,
} from './receipt.js';
export {
  decodeEntryBundle,
  decodeTile,
  ENTRIES_LEVEL,
  encodeEntryBundle,
  encodeTile,
  encodeTileIndex,
  entryBundleForIndex,
  hashAtFromTiles,
  hashFromTileData,
  newTiles,
  parseTilePath,
  TILE_HEIGHT,
  TILE_WIDTH,
  type Tile,
  tileForNode,
  tilePath,
  tilesForSize,
} from './tile.js';
