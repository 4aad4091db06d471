/** The only kinds of evidence file accepted: documents and photos that any viewer opens. */
export const EVIDENCE_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;

export type EvidenceMediaType = (typeof EVIDENCE_MEDIA_TYPES)[number];

const SIGNATURES: { type: EvidenceMediaType; magic: number[] }[] = [
  // "%PDF-" (ISO 32000-1 §7.5.2: the header is the file's first line)
  { type: 'application/pdf', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  // SOI marker followed by the first marker's 0xFF
  { type: 'image/jpeg', magic: [0xff, 0xd8, 0xff] },
  // The 8-byte PNG signature (RFC 2083 §3.1)
  { type: 'image/png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];

/** Bytes needed to tell the accepted types apart. */
export const MEDIA_TYPE_PROBE_BYTES = 8;

/**
 * The evidence type of `bytes`, by their magic number, or null for anything else. Decided by
 * content, never by name or declared type, so a file served back is what it claims to be.
 */
export function detectMediaType(bytes: Uint8Array): EvidenceMediaType | null {
  for (const { type, magic } of SIGNATURES) {
    if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) return type;
  }
  return null;
}

/**
 * A Content-Type header reduced to its essence (`Image/PNG; charset=x` → `image/png`), or null
 * when it names none of the accepted types.
 */
export function evidenceMediaType(contentType: string): EvidenceMediaType | null {
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return (EVIDENCE_MEDIA_TYPES as readonly string[]).includes(essence)
    ? (essence as EvidenceMediaType)
    : null;
}
