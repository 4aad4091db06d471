import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AckCodeParams, FileParams, OrgIdParams, UploadedFile } from '@goodtrace/contract';
import type { FastifyError, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { requireUser } from '../http/auth.js';
import { handleError } from '../http/error-handler.js';
import { binary, errorResponses } from '../http/schemas.js';
import { findAcknowledgement } from '../spending/acknowledge.js';
import { fileErrorToAppError } from './file-errors.js';
import type { FileStore, StoredFile } from './file-store.js';
import { type FileOwner, findFile, recordUpload } from './queries.js';

/**
 * Evidence uploads are the file's own bytes as the body with its Content-Type (no multipart):
 * simple for clients, and the store checks the content against the declared type. In this
 * scope every content type is read as raw bytes, so a GIF reaches the store and gets the
 * stable file_type_not_allowed instead of a generic 415.
 */
const fileRoutes: FastifyPluginAsyncTypebox<{ store: FileStore }> = async (app, { store }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: store.maxBytes },
    (_req, body, done) => done(null, body),
  );

  // An upload over the limit is stopped while streaming (Fastify's body limit); answer it with
  // the files' own code, as for any other refused file. Everything else as everywhere.
  app.setErrorHandler((err: FastifyError | AppError, request, reply) =>
    handleError(
      err instanceof AppError || err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? err
        : new AppError('file_too_large', `Evidence files are at most ${store.maxBytes} bytes.`, {
            maxBytes: store.maxBytes,
          }),
      request,
      reply,
    ),
  );

  async function save(
    request: FastifyRequest,
    owner: FileOwner,
  ): Promise<StoredFile & { url: string }> {
    const body = request.body;
    if (!Buffer.isBuffer(body)) throw new AppError('file_empty');
    let stored: StoredFile;
    try {
      stored = await store.put(body, request.headers['content-type']?.split(';')[0]?.trim());
    } catch (err) {
      throw fileErrorToAppError(err);
    }
    await recordUpload(app.db, stored, owner);
    return { ...stored, url: `/api/files/${stored.sha256}` };
  }

  app.post(
    '/orgs/:orgId/files',
    {
      config: {
        access: 'org-member',
        rateLimit: { max: app.config.rateLimit.uploadsPerIp, timeWindow: '1 minute' },
      },
      bodyLimit: store.maxBytes,
      schema: {
        summary:
          'Upload an evidence file (raw body; Content-Type application/pdf, image/jpeg or image/png)',
        tags: ['spending'],
        params: OrgIdParams,
        response: { 201: UploadedFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const saved = await save(request, {
        orgId: request.params.orgId,
        uploadedBy: requireUser(request).user.id,
      });
      reply.code(201);
      return saved;
    },
  );

  app.post(
    '/acknowledgements/:code/photo',
    {
      config: { access: 'public', rateLimit: { max: 20, timeWindow: '1 minute' } },
      bodyLimit: store.maxBytes,
      schema: {
        summary: "The beneficiary's confirmation photo (raw JPEG or PNG body), before confirming",
        tags: ['spending'],
        params: AckCodeParams,
        response: { 201: UploadedFile, ...errorResponses },
      },
    },
    async (request, reply) => {
      const ack = await findAcknowledgement(app.db, request.params.code);
      if (ack.acknowledgedAt) throw new AppError('already_acknowledged');
      const type = request.headers['content-type']?.split(';')[0]?.trim();
      if (type !== 'image/jpeg' && type !== 'image/png')
        throw new AppError('file_type_not_allowed', 'The photo must be a JPEG or PNG image.');
      // The photo belongs to this acknowledgement: only its confirmation may name it.
      const saved = await save(request, { disbursementId: ack.disbursementId });
      reply.code(201);
      return saved;
    },
  );

  app.get(
    '/files/:sha256',
    {
      config: { access: 'public' },
      schema: {
        summary: 'An evidence file, by its SHA-256 (the hash on the log)',
        tags: ['spending'],
        params: FileParams,
        response: {
          200: binary('The file, as uploaded', ['application/pdf', 'image/jpeg', 'image/png']),
          404: errorResponses[404],
        },
      },
    },
    async (request, reply) => {
      const row = await findFile(app.db, request.params.sha256);
      if (!row) throw new AppError('not_found', 'No such file.');
      let opened: Awaited<ReturnType<FileStore['open']>>;
      try {
        opened = await store.open(request.params.sha256);
      } catch (err) {
        throw fileErrorToAppError(err);
      }
      // Content-addressed: the bytes under this name never change.
      reply
        .header('content-type', row.media_type)
        .header('content-length', opened.size)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-security-policy',
          "default-src 'none'; img-src 'self'; plugin-types application/pdf",
        )
        .header(
          'content-disposition',
          `inline; filename="${request.params.sha256.slice(0, 16)}.${extension(row.media_type)}"`,
        );
      return reply.send(opened.stream);
    },
  );
};

function extension(mediaType: string): string {
  return mediaType === 'application/pdf' ? 'pdf' : mediaType === 'image/png' ? 'png' : 'jpg';
}

export default fileRoutes;
