import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ProcessRun {
  /** Whole-process wall time, from spawn to exit. */
  seconds: number;
  code: number;
  /** The last part of stderr and stdout, to explain a failure. */
  tail: string;
}

export interface CommandLine {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
}

/** Runs a command to completion and times it; output is kept only to explain a failure. */
export function timeProcess({ command, args, env, cwd }: CommandLine): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, code: code ?? 1, tail }));
  });
}

/** Throws with the command's own output when it failed. */
export async function timeProcessOrFail(line: CommandLine): Promise<number> {
  const run = await timeProcess(line);
  if (run.code !== 0) throw new Error(`${path.basename(line.command)} ${line.args.join(' ')} exited with ${run.code}:\n${run.tail}`);
  return run.seconds;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Peak resident memory (kB) of a command: GNU time's maximum RSS, which the kernel keeps for
 * the process (and its waited-for children). Without GNU time, the process's VmHWM read from
 * /proc while it runs; that can miss growth in its last milliseconds, so the method is reported.
 */
export async function peakRss(line: CommandLine): Promise<{ kilobytes: number; method: string; seconds: number; cpuSeconds?: number }> {
  if (existsSync(GNU_TIME)) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'foundation-bench-'));
    const out = path.join(dir, 'rss');
    try {
      const run = await timeProcess({ ...line, command: GNU_TIME, args: ['-f', '%M %U %S', '-o', out, line.command, ...line.args] });
      if (run.code !== 0) throw new Error(`${path.basename(line.command)} exited with ${run.code}:\n${run.tail}`);
      const [kilobytes, user, system] = (readFileSync(out, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
      // User + system CPU of the process: unlike wall time, hardly moved by other load on the machine.
      return { kilobytes: kilobytes!, method: 'GNU time maximum RSS', seconds: run.seconds, cpuSeconds: user! + system! };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return pollVmHwm(line);
}

function pollVmHwm({ command, args, env, cwd }: CommandLine): Promise<{ kilobytes: number; method: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: 'ignore' });
    let peak = 0;
    const timer = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peak = Math.max(peak, Number(match[1]));
      } catch {
        // The process has just exited.
      }
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${path.basename(command)} exited with ${code}`));
      else resolve({ kilobytes: peak, method: '/proc VmHWM polled every 10 ms', seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}
