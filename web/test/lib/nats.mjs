// Debian's nats-server as a child process for the JS tests: a random
// loopback port (`-p -1`), read back from its log; stopped with SIGTERM.

import { spawn } from "node:child_process";
import { once } from "node:events";

/** Starts nats-server; resolves to { url, stop() } once it accepts clients. */
export async function startNatsServer(binary = process.env.NATS_SERVER ?? "nats-server") {
  const child = spawn(binary, ["-a", "127.0.0.1", "-p", "-1"], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const match = /Listening for client connections on ([\d.]+:\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(`nats://${match[1]}`);
      }
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
