/**
 * CPU time used so far by a process, from /proc (Linux), in microseconds:
 * its main thread, and its other threads together (a worker, GC helpers,
 * libuv). Unlike a rate it barely moves when other processes share the cores.
 */
import { readdirSync, readFileSync } from "node:fs";

export function threadCpu(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // a thread that ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime, in clock ticks of 10 ms.
    const us = (Number(fields[11]) + Number(fields[12])) * 10_000;
    if (Number(tid) === pid) main += us;
    else others += us;
  }
  return { main, others };
}

/**
 * The machine's CPU time so far, from /proc/stat, in clock ticks: all of it,
 * and the part stolen (time the hypervisor gave to other guests while this
 * one had work). Between two readings, steal over total says how much of
 * the cores a run did not get, whatever it asked for.
 */
export function machineCpu(): { total: number; steal: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] as string;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is within user)
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] ?? 0 };
}
