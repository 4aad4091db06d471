import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateSignerKey, KEY_TYPE_COSIGNATURE_V1, parseSignerKey } from '@goodtrace/ledger';

export class WitnessKeyError extends Error {
  override readonly name = 'WitnessKeyError';
}

export interface WitnessKey {
  signerKey: string;
  verifierKey: string;
  name: string;
  /** True when this call made the key file. */
  created: boolean;
  /** Set when the file can be read by others than its owner. */
  warning?: string;
}

/**
 * The witness's own Ed25519 cosignature/v1 key, in a file holding
 * `PRIVATE+KEY+name+id+base64(0x04 ‖ seed)` (Go note encoding). Made with mode 0600 when
 * missing and a name is given; never overwritten. One key per witness: the cosigner's name is
 * not in the signed message, so a key shared by two witnesses would make them one.
 */
export async function loadWitnessKey(file: string, name?: string): Promise<WitnessKey> {
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (text === undefined) {
    if (name === undefined) {
      throw new WitnessKeyError(`no key file ${file}: give --name to create one`);
    }
    let made: ReturnType<typeof generateSignerKey>;
    try {
      made = generateSignerKey(name, { type: KEY_TYPE_COSIGNATURE_V1 });
    } catch (e) {
      throw new WitnessKeyError(`--name "${name}" is not a key name: ${(e as Error).message}`);
    }
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `${made.signerKey}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return { ...made, name, created: true };
  }
  let signer: ReturnType<typeof parseSignerKey>;
  try {
    signer = parseSignerKey(text.trim());
  } catch (e) {
    throw new WitnessKeyError(`${file} does not hold a signer key: ${(e as Error).message}`);
  }
  if (signer.type !== KEY_TYPE_COSIGNATURE_V1) {
    throw new WitnessKeyError(`${file} is not a cosignature/v1 (0x04) key`);
  }
  if (name !== undefined && name !== signer.name) {
    throw new WitnessKeyError(`${file} is the key of "${signer.name}", not of "${name}"`);
  }
  const mode = (await stat(file)).mode & 0o077;
  return {
    signerKey: text.trim(),
    verifierKey: signer.verifierKey,
    name: signer.name,
    created: false,
    ...(mode !== 0
      ? { warning: `${file} can be read by others than its owner: chmod 600 it` }
      : {}),
  };
}
