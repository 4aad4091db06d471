import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const api = 'http://localhost:3000';

// The server serves dist/ in production; in development Vite serves the app and forwards
// the API to a server started with `npm run dev`.
export default defineConfig({
  plugins: [react()],
  // Workspace packages (e.g. @goodtrace/ledger) resolve to their TypeScript sources.
  resolve: { conditions: ['@goodtrace/source', ...defaultClientConditions] },
  server: {
    proxy: { '/api': api, '/healthz': api, '/readyz': api, '/log': api },
  },
});
