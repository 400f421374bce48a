import { DataSource } from 'typeorm';

/** A role's table-level privileges in the current schema, one row per table, privileges sorted. */
export function tablePrivilegesOf(dataSource: DataSource, role: string): Promise<{ relname: string; privileges: string }[]> {
  return dataSource.query(
    `SELECT c.relname, string_agg(acl.privilege_type, ', ' ORDER BY acl.privilege_type) AS privileges
     FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) acl
     WHERE c.relnamespace = current_schema()::regnamespace AND acl.grantee = $1::regrole
     GROUP BY c.relname ORDER BY c.relname`,
    [role],
  );
}

/** A role's column-level privileges in the current schema, one row per column and privilege. */
export function columnPrivilegesOf(dataSource: DataSource, role: string): Promise<{ relname: string; attname: string; privilege: string }[]> {
  return dataSource.query(
    `SELECT c.relname, a.attname, acl.privilege_type AS privilege
     FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid CROSS JOIN LATERAL aclexplode(a.attacl) acl
     WHERE c.relnamespace = current_schema()::regnamespace AND acl.grantee = $1::regrole
     ORDER BY 1, 2, 3`,
    [role],
  );
}
