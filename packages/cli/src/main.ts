import { homedir } from 'node:os';
import { setCryptoProvider } from '@goodtrace/ledger';
import { nodeCryptoProvider } from '@goodtrace/ledger-node';
import { auditCommand } from './audit/audit-command.js';
import { userStateHome } from './audit/state-dir.js';
import { type Command, EXIT, type Io, UsageError } from './command.js';
import { verifyCommand } from './verify-command.js';
import { witnessCommand } from './witness/witness-command.js';

/** The subcommands, as `goodtrace help` lists them. */
export const commands: Record<string, Command> = {
  audit: auditCommand,
  verify: verifyCommand,
  witness: witnessCommand,
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(
    ([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`,
  );
  return `Usage: goodtrace <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun goodtrace <command> --help for a command's options.`;
}

/** The process's own input and output. npm scripts run at the root, so INIT_CWD is where the user typed. */
export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    cwd: process.env.INIT_CWD || process.cwd(),
    stateHome: userStateHome(process.env, process.platform, homedir()),
    fetch: globalThis.fetch,
    // A terminal gets a status line rewritten in place; a pipe or a file gets plain lines.
    ...(process.stderr.isTTY
      ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) }
      : {}),
  };
}

/** Runs `goodtrace <argv>`; resolves to the exit status (0 valid, 1 invalid, 2 usage, 3 the audit's keys changed). */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  // Native SHA-256 and Ed25519: the same results as the default, faster on long audits.
  setCryptoProvider(nodeCryptoProvider());
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(help());
    return name === undefined ? EXIT.usage : EXIT.valid;
  }
  const command = commands[name];
  if (command === undefined) {
    io.err(`goodtrace: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`goodtrace ${name}: ${e.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    throw e;
  }
}
