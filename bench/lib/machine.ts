import os from 'node:os';
import { Client } from 'pg';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /**
   * The 1-minute load average when the bench started: on a machine shared with other work the
   * process-start figures (deploy path) grow with it, so it is kept beside them.
   */
  loadAverage1m: number;
  postgres: string;
  /** Settings that change the figures: durability and memory. */
  postgresSettings: Record<string, string>;
}

export async function describeMachine(client: Client): Promise<MachineInfo> {
  const cpus = os.cpus();
  const { rows } = await client.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_settings
      WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'work_mem', 'max_connections')`,
  );
  const settings = Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  const { server_version: postgres = 'unknown', ...postgresSettings } = settings;
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
    postgres,
    postgresSettings,
  };
}
