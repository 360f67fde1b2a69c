/** The `heatlens` command: parses options and starts the companion. */
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
import { startCompanion } from "./server";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Which table entry each commander attribute belongs to (commander names values after flags: `--hop` → `hop`). */
const attributeOf = new Map<string, OptionSpec>();

export function buildProgram(): Command {
  const program = new Command("heatlens")
    .description("Heatlens companion: collects cursor points from the extension and serves live heatmaps.")
    .version("0.1.0")
    .enablePositionalOptions();
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

async function serve(program: Command): Promise<void> {
  const options = optionsOf(program);
  const problems = validateOptions(options);
  if (problems.length) program.error(`heatlens: ${problems.join("\n")}`, { exitCode: 2 });
  if (!LOOPBACK.test(options.host) && !options.allowUnauthenticated) {
    const tokens = TokenStore.open(options.dataDir);
    const secured = tokens.authRequired();
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
