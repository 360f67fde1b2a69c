/** The `heatlens` command: parses options and starts the companion. */
import { Command, InvalidArgumentError, Option } from "commander";
import { ROLES, type Role, TokenStore } from "./auth/tokens";
import { type CompanionOptions, DEFAULTS, OPTION_SPECS, type OptionSpec } from "./options";
import { startCompanion } from "./server";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Parses `10s`, `5m`, `250ms`, `1h` or plain milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text} (try 250ms, 10s, 5m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? "ms") as "ms"];
  return Math.round(Number(match[1]) * unit);
}

function parseInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${text}`);
  return n;
}

function formatDefault(spec: OptionSpec): string | undefined {
  const value = DEFAULTS[spec.key];
  if (spec.kind === "boolean") return undefined;
  if (spec.kind === "duration") return `${value}ms`;
  if (spec.kind === "durationList") return (value as number[]).map((v) => `${v}ms`).join(",");
  if (Array.isArray(value)) return value.length ? value.join(",") : "none";
  return String(value);
}

export function buildProgram(): Command {
  const program = new Command("heatlens")
    .description("Heatlens companion: collects cursor points from the extension and serves live heatmaps.")
    .version("0.1.0");
  for (const spec of OPTION_SPECS) {
    const option = new Option(spec.flag, spec.description);
    const shown = formatDefault(spec);
    if (shown !== undefined) option.default(DEFAULTS[spec.key], shown);
    if (spec.kind === "int") option.argParser(parseInteger);
    if (spec.kind === "duration") option.argParser(parseDuration);
    if (spec.kind === "durationList") option.argParser((v: string) => v.split(",").map(parseDuration));
    if (spec.kind === "intList") option.argParser((v: string) => v.split(",").map(parseInteger));
    program.addOption(option);
  }
  return program;
}

async function serve(program: Command): Promise<void> {
  const options = program.opts<CompanionOptions>();
  if (!LOOPBACK.test(options.host) && !options.allowUnauthenticated) {
    const tokens = TokenStore.open(options.dataDir);
    const secured = tokens.hasActive();
    tokens.close();
    if (!secured) {
      program.error(
        `refusing to serve ${options.host} without tokens: anyone on the network could feed and read heatmaps.\n` +
          `Create one first (heatlens token create --role capture,view --data-dir ${options.dataDir}),\n` +
          "bind to 127.0.0.1, or pass --allow-unauthenticated if that is what you want.",
        { exitCode: 2 },
      );
    }
  }
  let companion: Awaited<ReturnType<typeof startCompanion>>;
  try {
    companion = await startCompanion(options);
  } catch (error) {
    program.error(`heatlens: ${(error as Error).message}`, { exitCode: 1 });
  }
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
  return roles as Role[];
}

/** `heatlens token …`: tokens are managed on the companion's host, in its data directory. */
function tokenCommands(program: Command): void {
  const token = program.command("token").description("create, list and revoke team tokens");
  const dataDir = () => new Option("--data-dir <dir>", "the companion's data directory").default(DEFAULTS.dataDir);
  token
    .command("create")
    .description("create a token and print it (it is shown only this once)")
    .requiredOption("--role <roles>", `comma-separated roles: ${ROLES.join(", ")}`, parseRoles)
    .option("--name <name>", "who or what the token is for", "")
    .addOption(dataDir())
    .action((opts: { role: Role[]; name: string; dataDir: string }) => {
      const store = TokenStore.open(opts.dataDir);
      const { token: secret, info } = store.create(opts.name, opts.role);
      store.close();
      console.log(secret);
      console.error(
        `token ${info.id} (${info.roles.join(", ")}${info.name ? `, ${info.name}` : ""}): store it now, it is not shown again`,
      );
    });
  token
    .command("list")
    .description("list tokens (never their secrets)")
    .addOption(dataDir())
    .action((opts: { dataDir: string }) => {
      const store = TokenStore.open(opts.dataDir);
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
    .action((id: string, opts: { dataDir: string }) => {
      const store = TokenStore.open(opts.dataDir);
      const done = store.revoke(id);
      store.close();
      if (!done) program.error(`no active token ${id}`, { exitCode: 1 });
      console.log(`revoked ${id}`);
    });
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.action(() => serve(program));
  tokenCommands(program);
  await program.parseAsync(argv);
}
