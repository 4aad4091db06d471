import type { EvidenceKind } from '@goodtrace/contract';
import { type ChangeEvent, useCallback, useId, useRef, useState } from 'react';
import { upload } from '../../api';
import { type MessageKey, useI18n } from '../../i18n';
import { useMoneyErrors } from './money-errors';
import './charity-projects.css';

/** The server's limit (apps/server/src/files/file-store.ts). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const DOCUMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'];
export const IMAGE_TYPES = ['image/jpeg', 'image/png'];

export interface Upload {
  key: string;
  name: string;
  size: number;
  mediaType: string;
  /** 0–1 while sending. */
  progress: number;
  state: 'uploading' | 'done' | 'failed';
  error?: string;
  sha256?: string;
  kind: EvidenceKind;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Uploads files to `path` as soon as they are chosen and tracks each one: progress, the
 * stored hash, or the reason it was refused. Obvious refusals (wrong type, over 10 MiB) are
 * caught before sending; the server checks the content anyway.
 */
export function useUploads(path: string, accepted: string[]) {
  const { t } = useI18n();
  const moneyError = useMoneyErrors();
  const [items, setItems] = useState<Upload[]>([]);
  const counter = useRef(0);

  const update = useCallback(
    (key: string, patch: Partial<Upload>) =>
      setItems((all) => all.map((u) => (u.key === key ? { ...u, ...patch } : u))),
    [],
  );

  function add(files: FileList | File[], replace = false) {
    const fresh: Upload[] = [];
    const sends: [Upload, File][] = [];
    for (const file of Array.from(files)) {
      const key = `u${++counter.current}`;
      const item: Upload = {
        key,
        name: file.name,
        size: file.size,
        mediaType: file.type,
        progress: 0,
        state: 'uploading',
        kind: file.type === 'application/pdf' ? 'invoice' : 'photo',
      };
      if (!accepted.includes(file.type)) {
        item.state = 'failed';
        item.error = t(
          accepted.includes('application/pdf')
            ? 'cp.error.file_type_not_allowed'
            : 'cp.upload.imagesOnly',
        );
      } else if (file.size > MAX_FILE_BYTES) {
        item.state = 'failed';
        item.error = t('cp.error.file_too_large');
      } else {
        sends.push([item, file]);
      }
      fresh.push(item);
    }
    setItems((all) => (replace ? fresh : [...all, ...fresh]));
    for (const [item, file] of sends) {
      upload<{ sha256: string }>(path, file, (progress) => update(item.key, { progress })).then(
        (res) => update(item.key, { state: 'done', progress: 1, sha256: res.sha256 }),
        (err: unknown) => update(item.key, { state: 'failed', error: moneyError(err) }),
      );
    }
  }

  return {
    items,
    add,
    remove: (key: string) => setItems((all) => all.filter((u) => u.key !== key)),
    setKind: (key: string, kind: EvidenceKind) => update(key, { kind }),
    clear: () => setItems([]),
    busy: items.some((u) => u.state === 'uploading'),
    done: items.filter((u) => u.state === 'done'),
  };
}

export type Uploads = ReturnType<typeof useUploads>;

/** A file input styled as a button, with the list of chosen files and how each is going. */
export function FilePicker({
  uploads,
  label,
  hint,
  accept,
  multiple,
  withKind,
  error,
}: {
  uploads: Uploads;
  label: string;
  hint: string;
  accept: string[];
  multiple?: boolean;
  /** Lets each uploaded file be marked as an invoice, a receipt or a photo. */
  withKind?: boolean;
  error?: string | undefined;
}) {
  const { t } = useI18n();
  const id = useId();
  function picked(e: ChangeEvent<HTMLInputElement>) {
    if (e.target.files?.length) uploads.add(e.target.files, !multiple);
    // The same file can be picked again after it is removed.
    e.target.value = '';
  }
  return (
    <div className={`field file-field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="file"
        className="file-input"
        accept={accept.join(',')}
        multiple={multiple}
        onChange={picked}
        aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
        aria-invalid={error ? true : undefined}
      />
      <p className="field-hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
      {uploads.items.length > 0 && (
        <ul className="plain-list upload-list" aria-label={t('cp.upload.listLabel')}>
          {uploads.items.map((u) => (
            <li key={u.key} className={`upload upload-${u.state}`}>
              <div className="upload-head">
                <span className="upload-name">{u.name}</span>
                <span className="muted small">{formatSize(u.size)}</span>
              </div>
              {u.state === 'uploading' && (
                <progress
                  max={1}
                  value={u.progress}
                  aria-label={t('cp.upload.progress', { name: u.name })}
                />
              )}
              {u.state === 'done' && <p className="upload-status small">✓ {t('cp.upload.done')}</p>}
              {u.state === 'failed' && (
                <p className="field-error" role="alert">
                  {u.error}
                </p>
              )}
              <div className="upload-actions">
                {withKind && u.state === 'done' && (
                  <label className="upload-kind">
                    <span>{t('cp.upload.kind')}</span>
                    <select
                      value={u.kind}
                      aria-label={t('cp.upload.kindOf', { name: u.name })}
                      onChange={(e) => uploads.setKind(u.key, e.target.value as EvidenceKind)}
                    >
                      {(['invoice', 'receipt', 'photo'] as const).map((k) => (
                        <option key={k} value={k}>
                          {t(`cp.evidence.${k}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <button
                  type="button"
                  className="button button-ghost button-small"
                  aria-label={t('cp.upload.removeName', { name: u.name })}
                  onClick={() => uploads.remove(u.key)}
                >
                  {t('cp.upload.remove')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
