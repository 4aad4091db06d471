import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../errors.js';

/**
 * Serves the built single-page app. Files under /assets are fingerprinted by Vite and cached
 * for a year; any other GET that accepts HTML gets index.html so client-side routes work on
 * reload. Unknown API paths keep their JSON 404.
 */
export async function serveWeb(app: FastifyInstance, distDir: string | undefined) {
  const index = distDir ? join(distDir, 'index.html') : undefined;
  const haveWeb = index !== undefined && existsSync(index);
  if (haveWeb) {
    await app.register(fastifyStatic, {
      root: distDir!,
      wildcard: false,
      index: false,
      setHeaders(res, path) {
        res.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const apiPath = /^\/(api|log|healthz|readyz|metrics)(\/|$)/.test(request.url);
    if (
      haveWeb &&
      !apiPath &&
      request.method === 'GET' &&
      request.headers.accept?.includes('text/html')
    ) {
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply
      .status(404)
      .send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
}
