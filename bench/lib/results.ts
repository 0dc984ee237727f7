/** bench/results.json: each benchmark merges its own section; the machine is described once. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

export const RESULTS_PATH = fileURLToPath(new URL("../results.json", import.meta.url));

export function machine() {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  let firefox = "";
  try {
    firefox = execFileSync(process.env.FIREFOX ?? "firefox-esr", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    firefox = "not found";
  }
  return {
    nproc: os.availableParallelism(),
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    firefox,
  };
}

export function mergeResults(section: string, value: unknown): void {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(RESULTS_PATH, "utf8"));
  } catch {
    all = {};
  }
  all[section] = value;
  writeFileSync(RESULTS_PATH, JSON.stringify(all, null, 2) + "\n");
}

export function readResults(): Record<string, any> {
  return JSON.parse(readFileSync(RESULTS_PATH, "utf8"));
}

/** µs with a sensible number of digits. */
export const us = (ms: number) => (ms * 1000 < 10 ? (ms * 1000).toFixed(2) : (ms * 1000).toFixed(1));
export const fmt = (x: number, digits = 1) => x.toFixed(digits);

/** 1, 5 and 15 minute load averages: other work on the machine competes with the benchmark. */
export const loadAverage = () => os.loadavg().map((l) => Math.round(l * 100) / 100);
