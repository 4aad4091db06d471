import { type Command, EXIT, type Io, parseCommandLine, UsageError } from '../command.js';
import {
  DEFAULT_LISTEN,
  DEFAULT_STATE_DIR,
  loadWitnessConfig,
  type WitnessFlags,
} from './witness-config.js';
import { loadWitnessKey, WitnessKeyError } from './witness-key.js';
import { startWitness } from './witness-server.js';
import { WitnessStateError } from './witness-state.js';

const usage = `Usage:
  goodtrace witness init --name <name> [--key-file F] [--state-dir D]
  goodtrace witness [serve] [--config witness.json] [--name N] [--key-file F] [--state-dir D]
                    [--listen host:port] --log [origin=]<log verifier key> [--log …]

Runs a C2SP tlog-witness: it cosigns a log's checkpoints (cosignature/v1) after checking that
each one is consistent with the last one it cosigned for that log, so the log cannot show two
different histories to two people. Anyone can run one; it needs no database.

  init               create the witness key (mode 0600) and print its verifier key
  --name N           the witness's name (its key's name); the first start creates the key
  --key-file F       its signer key file (default: <state-dir>/witness.key)
  --state-dir D      its state: the latest checkpoint cosigned per log, in state.json,
                     replaced atomically (default: ./${DEFAULT_STATE_DIR})
  --listen H:P       where to listen (default ${DEFAULT_LISTEN}; port 0 picks a free one)
  --log K            watch a log, given its Ed25519 verifier key (from GET /log/key): the
                     origin is the key's name; origin=K for another origin. Repeat for more
                     logs, or for a log's second key
  --config FILE      a JSON file with the same settings (relative paths are relative to it;
                     flags win, --log adds to its logs):
                     {"name": "witness.example", "keyFile": "witness.key", "stateDir": ".",
                      "listen": "0.0.0.0:7380",
                      "logs": [{"origin": "example.org/log", "verifierKeys": ["name+id+key"]}]}

HTTP: POST /add-checkpoint (C2SP tlog-witness: 200 with the cosignature line, 400 malformed,
403 no valid log signature, 404 unknown origin, 409 + text/x.tlog.size when the old size is
not the one last cosigned or a same-size root differs, 422 bad consistency proof);
GET /state (JSON: what it holds per log); GET /<hex SHA-256 of origin>/checkpoint.
Each refusal is logged as a JSON line on stderr. Give the operator of the log your verifier
key and URL: they add {"verifierKey", "url"} to LOG_WITNESSES.

Exit status: 0 when stopped by SIGINT/SIGTERM, 2 on a usage or configuration error.`;

const options = {
  config: { type: 'string' },
  name: { type: 'string' },
  'key-file': { type: 'string' },
  'state-dir': { type: 'string' },
  listen: { type: 'string' },
  log: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(argv, options);
  if (parsed.values.help) {
    io.out(usage);
    return EXIT.valid;
  }
  const [sub = 'serve', ...extra] = parsed.positionals;
  if (extra.length > 0 || (sub !== 'serve' && sub !== 'init')) {
    throw new UsageError(`unknown arguments: ${parsed.positionals.join(' ')}`);
  }
  const config = await loadWitnessConfig(parsed.values as WitnessFlags, io.cwd);
  if (sub === 'init') {
    if (config.name === undefined) throw new UsageError('init needs --name');
    const key = await keyOrUsage(config.keyFile, config.name);
    if (!key.created) throw new UsageError(`${config.keyFile} exists already (${key.verifierKey})`);
    io.out(`created ${config.keyFile} (mode 0600) for witness ${key.name}`);
    io.out(`verifier key: ${key.verifierKey}`);
    return EXIT.valid;
  }
  if (config.logs.size === 0) throw new UsageError('give at least one log to watch (--log)');
  const key = await keyOrUsage(config.keyFile, config.name);
  if (key.warning) io.err(`warning: ${key.warning}`);
  if (key.created) io.out(`created ${config.keyFile} (mode 0600) for witness ${key.name}`);
  let witness: Awaited<ReturnType<typeof startWitness>>;
  try {
    witness = await startWitness({
      signerKey: key.signerKey,
      logs: config.logs,
      stateDir: config.stateDir,
      host: config.host,
      port: config.port,
      log: (entry) => (entry.level === 'info' ? io.out : io.err)(JSON.stringify(entry)),
    });
  } catch (e) {
    if (e instanceof WitnessStateError) throw new UsageError(e.message);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(`--listen ${config.host}:${config.port}: the address is in use`);
    }
    throw e;
  }
  io.out(`goodtrace witness ${witness.name} listening on ${witness.url}`);
  io.out(`verifier key: ${witness.verifierKey}`);
  for (const [origin, keys] of config.logs) {
    const held = witness.state.get(origin);
    io.out(
      `watching ${origin} (${keys.map((k) => k.verifierKey).join(', ')}), cosigned size ${held?.size ?? 'none yet'}`,
    );
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await witness.close();
  io.out(`goodtrace witness stopped (${signal})`);
  return EXIT.valid;
}

async function keyOrUsage(file: string, name: string | undefined) {
  try {
    return await loadWitnessKey(file, name);
  } catch (e) {
    if (e instanceof WitnessKeyError) throw new UsageError(e.message);
    throw e;
  }
}

export const witnessCommand: Command = {
  summary: 'run a C2SP tlog-witness that cosigns a log’s consistent checkpoints',
  usage,
  run,
};
