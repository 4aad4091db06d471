import { imageSize } from 'image-size';

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

/**
 * Why `bytes`, which begin as a `type` file, are not one a viewer can open, or null when they
 * are. The magic number alone lets three bytes pass as a JPEG, so images are parsed to their
 * real dimensions (image-size reads the PNG IHDR chunk or walks the JPEG markers to its frame
 * header), and a PDF must close with the %%EOF marker that readers look for in its last 1024
 * bytes (ISO 32000-1 §7.5.5).
 */
export function structureProblem(bytes: Uint8Array, type: EvidenceMediaType): string | null {
  if (type === 'application/pdf') {
    const tail = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .subarray(-1024)
      .toString('latin1');
    return tail.includes('%%EOF') ? null : 'the PDF has no %%EOF trailer';
  }
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch {
    return `the ${type === 'image/png' ? 'PNG' : 'JPEG'} header cannot be read`;
  }
  if (size.type !== (type === 'image/png' ? 'png' : 'jpg')) return `the content is ${size.type}`;
  if (!(size.width > 0 && size.height > 0)) return 'the image has no width or height';
  return null;
}
