import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';

/**
 * Which of `pids` holds the server's end of a fresh connection to `url`, asked of the OS: the
 * socket whose local port is the server's and remote port ours, in /proc/net/tcp, and the
 * process with that socket among its descriptors. The API itself never names a pid. Used by
 * the process tests and the donations bench to see every cluster worker take connections.
 */
export async function servingPid(url: string, pids: number[]): Promise<number | undefined> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const clientPort = await new Promise<number>((resolve, reject) => {
      http
        .get(`${url}/healthz`, { agent }, (res) => {
          // Read now: the socket leaves the response for the agent's pool at its end.
          const port = res.socket.localPort!;
          res.resume();
          res.on('end', () => resolve(port));
        })
        .on('error', reject);
    });
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
    const serverPort = Number(new URL(url).port);
    const line = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[1]?.endsWith(`:${hex(serverPort)}`) && f[2]?.endsWith(`:${hex(clientPort)}`));
    if (!line) return undefined;
    const socket = `socket:[${line[9]}]`;
    return pids.find((pid) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`) === socket;
          } catch {
            return false;
          }
        });
      } catch {
        // A worker that has just exited has no /proc entry any more.
        return false;
      }
    });
  } finally {
    agent.destroy();
  }
}
