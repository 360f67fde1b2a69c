/**
 * A real `nats-server` with JetStream, on a free port, with its own store
 * directory, for cluster tests. Its absence fails the test (scripts/browsers.js
 * installs it as root on Debian, or names the command).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { freePort } from "./free-port";
import { tempDataDir } from "./temp-dir";

export const NATS_SERVER = process.env.HEATLENS_NATS_SERVER ?? "/usr/sbin/nats-server";

export interface Nats {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits for its exit. */
  stop(): Promise<void>;
  /**
   * Starts it again on the same port and store: what JetStream held is there
   * again. With `emptyStore`, on a new, empty store, as a server that kept
   * nothing (no `-sd`, a wiped disk) comes back. With `jetStreamLater`,
   * JetStream stays off until `enableJetStream()`, as in a NATS cluster whose
   * servers take clients before JetStream has a leader again.
   */
  restart(options?: { emptyStore?: boolean; jetStreamLater?: boolean }): Promise<void>;
  /** Turns JetStream on in the running server (a configuration reload), on its store. */
  enableJetStream(): void;
  /** Turns JetStream off in the running server (a configuration reload): clients stay connected, JetStream answers none. */
  disableJetStream(): void;
  /** Clients connected now, as the server's monitoring port counts them. */
  connections(): Promise<number>;
}

/**
 * `port`: a port chosen beforehand (a free one by default), as for a node
 * started before its server. `jetStream: false`: JetStream off until
 * `enableJetStream()`, as a server whose JetStream does not answer yet.
 */
export async function startNats({
  port: chosen,
  jetStream = true,
}: {
  port?: number;
  jetStream?: boolean;
} = {}): Promise<Nats> {
  if (!existsSync(NATS_SERVER)) {
    throw new Error(`${NATS_SERVER} is missing: apt-get install -y nats-server (or set HEATLENS_NATS_SERVER)`);
  }
  let [port, monitor] = [chosen ?? (await freePort()), await freePort()];
  let store = tempDataDir("nats");
  // JetStream is set in a configuration file, so that a reload can turn it on.
  const config = join(tempDataDir("nats-config"), "nats.conf");
  const configure = (jetStream: boolean) =>
    writeFileSync(config, jetStream ? `jetstream: { store_dir: ${JSON.stringify(store)} }\n` : "");
  let child: ChildProcess | null = null;
  const launch = async (jetStream = true) => {
    configure(jetStream);
    const started = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(port), "-m", String(monitor), "-c", config], {
      stdio: "ignore",
    });
    child = started;
    await listening(port, started);
  };
  // A free port can be taken by another test between its choice and the server's bind (the server then exits
  // with 1): the first start tries fresh ports a few times, unless the port was chosen by the caller.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch(jetStream);
      break;
    } catch (error) {
      if (!String(error).includes("exited") || attempt === 5) throw error;
      if (chosen === undefined) port = await freePort();
      monitor = await freePort();
    }
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGTERM");
      await exited;
    },
    async restart({ emptyStore = false, jetStreamLater = false } = {}) {
      if (emptyStore) store = tempDataDir("nats");
      await launch(!jetStreamLater);
    },
    enableJetStream() {
      configure(true);
      child?.kill("SIGHUP");
    },
    disableJetStream() {
      configure(false);
      child?.kill("SIGHUP");
    },
    async connections() {
      const answer = await fetch(`http://127.0.0.1:${monitor}/connz`);
      return ((await answer.json()) as { num_connections: number }).num_connections;
    },
  };
}

/** Waits until the port takes connections, or fails if the server exits first. */
async function listening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nats-server did not listen on ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
