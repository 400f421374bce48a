import { DataSource } from 'typeorm';

/** "15.10" from server_version_num 150010: what squawk's --pg-version expects. */
export async function serverVersion(dataSource: DataSource): Promise<string> {
  const [{ server_version_num: num }] = await dataSource.query('SHOW server_version_num');
  const value = Number(num);
  return `${Math.floor(value / 10000)}.${value % 10000}`;
}
