/** The `heatlens` command: parses options and starts the companion. */

import { hostname } from "node:os";
import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { ROLES, type Role, TokenStore } from "./auth/tokens";
import {
  type CompanionOptions,
  DEFAULTS,
  formatDefault,
  OPTION_SPECS,
  type OptionSpec,
  parseValue,
  validateOptions,
} from "./options";
import { StartError, startCompanion } from "./server";
import { DataDirError, DataDirInUseError, prepareDataDir } from "./store/data-dir";

/** Which table entry each commander attribute belongs to (commander names values after flags: `--hop` → `hop`). */
const attributeOf = new Map<string, OptionSpec>();

export function buildProgram(): Command {
  const program = new Command("heatlens")
    .description("Heatlens companion: collects cursor points from the extension and serves live heatmaps.")
    .version("0.1.0")
    .enablePositionalOptions()
    // Commander's usage errors exit 2 like every other usage problem; help and --version exit 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, "heatlens: ")) });
  for (const spec of OPTION_SPECS) {
    const option = new Option(spec.flag, spec.description);
    const shown = formatDefault(spec);
    if (shown !== undefined) option.default(spec.default, shown);
    if (spec.choices) option.choices(spec.choices);
    else if (spec.kind !== "boolean" && spec.kind !== "string" && spec.kind !== "list") {
      option.argParser((text: string) => {
        try {
          return parseValue(spec, text);
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      });
    }
    attributeOf.set(option.attributeName(), spec);
    program.addOption(option);
  }
  return program;
}

/** The parsed options under their table names. */
export function optionsOf(program: Command): CompanionOptions {
  const options: Record<string, unknown> = { ...DEFAULTS };
  for (const [attribute, value] of Object.entries(program.opts())) {
    const spec = attributeOf.get(attribute);
    if (spec) options[spec.name] = value;
  }
  return options as CompanionOptions;
}

/** Exits with a message on stderr: 2 for problems the user can fix by changing the command, 1 otherwise. */
function fail(message: string, exitCode = 2): never {
  console.error(`heatlens: ${message}`);
  process.exit(exitCode);
}

/** What went wrong at start, said in the user's terms rather than the system call's. */
function startProblem(error: unknown, options: CompanionOptions): { message: string; exitCode: number } {
  if (error instanceof DataDirError || error instanceof DataDirInUseError || error instanceof StartError)
    return { message: error.message, exitCode: 2 };
  const { code, path } = error as NodeJS.ErrnoException;
  switch (code) {
    case "EADDRINUSE":
      return {
        message: `port ${options.port} on ${options.host} is in use (another companion?); choose another with --port`,
        exitCode: 2,
      };
    case "EADDRNOTAVAIL":
      return { message: `${options.host} is not an address of this machine; choose another with --host`, exitCode: 2 };
    case "EACCES":
      if (!path)
        return { message: `not allowed to listen on port ${options.port}; choose another with --port`, exitCode: 2 };
  }
  if (path) return { message: `cannot read ${path}: ${code === "ENOENT" ? "no such file" : code}`, exitCode: 2 };
  const { message } = error as Error;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return {
      message: `${options.host} is no name this machine can listen on; choose another with --host`,
      exitCode: 2,
    };
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") {
    const file = join(options.dataDir, "heatlens.db");
    return {
      message: `${file} is not a Heatlens database, or is damaged (${code}: ${message}); move it away, or give another --data-dir`,
      exitCode: 2,
    };
  }
  if (code?.startsWith("ERR_OSSL") && options.tlsCert)
    return {
      message: `--tls-cert ${options.tlsCert} and --tls-key ${options.tlsKey} are no PEM certificate and key that go together (${message})`,
      exitCode: 2,
    };
  return { message, exitCode: 1 };
}

/** The address people type: an unspecified bind address is reached by this machine's name. */
function reachableUrl(url: string, host: string): string {
  return host === "0.0.0.0" || host === "::" ? url.replace(/\/\/[^/]+:/, `//${hostname()}:`) : url;
}

function printBanner(url: string, options: CompanionOptions): void {
  const lines = [`Heatlens companion listening on ${url}`, `  Dashboard:      ${url}/`];
  if (options.demo) lines.push(`  Demo shop:      ${url}/demo/`);
  lines.push(`  Extension URL:  ${url.replace(/^http/, "ws")}`);
  console.log(lines.join("\n"));
}

async function serve(program: Command): Promise<void> {
  const options = optionsOf(program);
  const problems = validateOptions(options);
  if (problems.length) fail(problems.join("\nheatlens: "));
  let companion: Awaited<ReturnType<typeof startCompanion>>;
  try {
    companion = await startCompanion(options);
  } catch (error) {
    const { message, exitCode } = startProblem(error, options);
    fail(message, exitCode);
  }
  printBanner(reachableUrl(companion.url, options.host), options);
  const stop = async () => {
    await companion.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function parseRoles(text: string): Role[] {
  const roles = text.split(",").map((r) => r.trim());
  for (const role of roles) {
    if (!ROLES.includes(role as Role)) throw new InvalidArgumentError(`roles are ${ROLES.join(", ")}`);
  }
  return [...new Set(roles)] as Role[];
}

/** A token's name as `token list` prints it on one line: at most 64 characters, none a control character. */
function parseTokenName(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) throw new InvalidArgumentError("a name holds no control characters");
  if (text.length > 64) throw new InvalidArgumentError("a name is at most 64 characters");
  return text;
}

/** Opens the token store of the data directory given after the subcommand, or else before `token`. */
function openTokens(program: Command, opts: { dataDir?: string }): TokenStore {
  const dataDir = opts.dataDir ?? (program.opts().dataDir as string);
  try {
    prepareDataDir(dataDir);
  } catch (error) {
    fail((error as Error).message);
  }
  return TokenStore.open(dataDir);
}

/** `heatlens token …`: tokens are managed on the companion's host, in its data directory. */
function tokenCommands(program: Command): void {
  const token = program.command("token").description("create, list and revoke team tokens");
  const dataDir = () =>
    new Option(
      "--data-dir <dir>",
      `the companion's data directory (default: the one given before "token", else ${DEFAULTS.dataDir})`,
    );
  token
    .command("create")
    .description("create a token and print it (it is shown only this once)")
    .requiredOption("--role <roles>", `comma-separated roles: ${ROLES.join(", ")}`, parseRoles)
    .option("--name <name>", "who or what the token is for (at most 64 characters)", parseTokenName, "")
    .addOption(dataDir())
    .action((opts: { role: Role[]; name: string; dataDir?: string }) => {
      const store = openTokens(program, opts);
      const first = store.list().length === 0;
      const { token: secret, info } = store.create(opts.name, opts.role);
      store.close();
      console.log(secret);
      console.error(
        `token ${info.id} (${info.roles.join(", ")}${info.name ? `, ${info.name}` : ""}): store it now, it is not shown again`,
      );
      if (first) {
        console.error(
          "This is the first token: from now on every browser and the dashboard need one.\n" +
            "  Browsers: the extension's Options → Token (a capture,view token).\n" +
            "  Dashboard: sign in with a view token at the companion's address.",
        );
      }
    });
  token
    .command("list")
    .description("list tokens (never their secrets)")
    .addOption(dataDir())
    .action((opts: { dataDir?: string }) => {
      const store = openTokens(program, opts);
      for (const t of store.list()) {
        const state = t.revoked ? `revoked ${new Date(t.revoked).toISOString()}` : "active";
        console.log(`${t.id}  ${t.roles.join(",").padEnd(20)} ${state.padEnd(34)} ${t.name}`);
      }
      store.close();
    });
  token
    .command("revoke <id>")
    .description("revoke a token at once; connections using it are refused from their next request")
    .addOption(dataDir())
    .action((id: string, opts: { dataDir?: string }) => {
      const store = openTokens(program, opts);
      const done = store.revoke(id);
      store.close();
      if (!done) fail(`no active token ${id}`);
      console.log(`revoked ${id}`);
    });
}

/** The whole command line: serving, and the `token` subcommands. */
export function buildCli(): Command {
  const program = buildProgram();
  // A word that names no command (a typo of `token`) is said to be one, not "too many arguments".
  program.allowExcessArguments(true).action(() => {
    const [word] = program.args;
    if (word !== undefined)
      fail(`unknown command ${word}: the command is token (create, list, revoke), or none to run the companion`);
    return serve(program);
  });
  tokenCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildCli().parseAsync(argv);
}
