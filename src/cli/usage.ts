// Usage errors of `super-server`: one `super-server: …` form and exit code 2 for
// all of them, flag values checked as they are read, and "did you mean" for
// near-misses of a command.
import { type Command, CommanderError, InvalidArgumentError } from 'commander';

/** The exit code of every usage error (bad flag, flag value, command or argument). */
export const USAGE_EXIT = 2;

/** Parses a `--port`-like value: a whole number 0-65535. */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) {
    throw new InvalidArgumentError('must be a port number (0-65535)');
  }
  return n;
}

/** A parser for a whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** Commander's error text in the one-line form: `--port abc: must be a port number (0-65535)`. */
export function oneLine(text: string): string {
  const body = text
    .trimEnd()
    .replace(/^error: /, '')
    .replace(/^option '(-\S+)[^']*' argument '(.*)' is invalid\. /s, '$1 $2: ')
    .replace(/\n\(Did you mean (.+)\?\)$/s, "; did you mean '$1'?");
  return `${body}\n`;
}

/** Makes commander print its errors as `super-server: …` and throw instead of exiting. */
export function configureUsageErrors(program: Command): void {
  program
    .configureOutput({
      outputError: (text, write) => write(`${program.name()}: ${oneLine(text)}`),
    })
    .exitOverride()
    .showSuggestionAfterError();
}

/** The exit code for an error commander threw (help and version are not errors), else undefined. */
export function commanderExitCode(err: unknown): number | undefined {
  if (!(err instanceof CommanderError)) return undefined;
  return err.exitCode === 0 ? 0 : USAGE_EXIT;
}

/** Every command path of the program, e.g. `user list`, `audit`. */
function commandPaths(program: Command): string[][] {
  const paths: string[][] = [];
  const walk = (cmd: Command, prefix: string[]) => {
    for (const sub of cmd.commands) {
      const path = [...prefix, sub.name()];
      if (sub.commands.length === 0) paths.push(path);
      walk(sub, path);
    }
  };
  walk(program, []);
  return paths;
}

/** Levenshtein distance between two short strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The command `words` most likely meant (`users list` → `user list`), if one is close. */
export function suggestCommand(program: Command, words: readonly string[]): string | undefined {
  let best: { path: string; score: number } | undefined;
  for (const path of commandPaths(program)) {
    const typed = words.slice(0, path.length).join(' ');
    const scores = [distance(typed, path.join(' '))];
    // A subcommand typed alone: `list` → `user list`.
    if (path.length > 1 && words[0]) scores.push(distance(words[0], path.at(-1) ?? ''));
    const score = Math.min(...scores);
    if (!best || score < best.score) best = { path: path.join(' '), score };
  }
  return best && best.score <= 2 ? best.path : undefined;
}

/** The message for words that name no command. */
export function unknownCommand(program: Command, words: readonly string[]): string {
  const suggestion = suggestCommand(program, words);
  const hint = suggestion ? `did you mean '${suggestion}'?` : `see ${program.name()} --help`;
  return `unknown command '${words.join(' ')}'; ${hint}`;
}

/** The `serve` flags, as a help section for the program's own --help. */
export function serveFlagsHelp(serve: Command): string {
  const help = serve.createHelp();
  const options = help.visibleOptions(serve);
  const width = Math.max(...options.map((o) => help.optionTerm(o).length));
  const lines = options.map(
    (o) => `  ${help.optionTerm(o).padEnd(width)}  ${help.optionDescription(o)}`,
  );
  return `\nFlags of serve, the default command (super-server [serve] [flags]):\n${lines.join('\n')}\n`;
}
