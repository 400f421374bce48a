import { MigrationInterface, QueryRunner } from 'typeorm';
import { auditDdlGuardInstallSql, auditDdlGuardRemoveSql } from './support/audit-ddl-guard';

/**
 * Installs the audit DDL guard (support/audit-ddl-guard.ts) when the migrating role is a
 * superuser, the only kind of role that may create event triggers. Otherwise it installs nothing
 * and says so (a NOTICE): the DBA then runs the guard's script as a superuser
 * (`npm run audit-log -- guard-sql`; docs/audit-log.md). Either way, tampering the guard would
 * have stopped is still detected by verification against signed checkpoints.
 *
 * `down` removes the guard when run by a superuser (keeping its break-glass ledger if it holds
 * entries); a non-superuser cannot remove event triggers, and leaves it with a NOTICE.
 *
 * Locks: none on tables; event triggers and the guard's own schema.
 */
export class CreateAuditDdlGuard1754250064000 implements MigrationInterface {
  name = 'CreateAuditDdlGuard1754250064000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          RAISE NOTICE 'audit DDL guard not installed: % is not a superuser. A superuser installs it with the script of npm run audit-log -- guard-sql (docs/audit-log.md).', current_user;
        END IF;
      END
      $$
    `);
    for (const statement of auditDdlGuardInstallSql()) await queryRunner.query(onlyForSuperuserSql(statement));
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
           AND EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname LIKE 'foundation\\_audit\\_guard\\_%') THEN
          RAISE NOTICE 'audit DDL guard left in place: only a superuser can remove event triggers (docs/audit-log.md).';
        END IF;
      END
      $$
    `);
    for (const statement of auditDdlGuardRemoveSql()) await queryRunner.query(onlyForSuperuserSql(statement));
  }
}

/** Runs `statement` only when the current user is a superuser (as dynamic SQL, so nothing is parsed otherwise). */
function onlyForSuperuserSql(statement: string): string {
  return `
    DO $guard$
    BEGIN
      IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE ${dollarQuoted(statement)};
      END IF;
    END
    $guard$`;
}

/** `text` as a dollar-quoted literal whose tag occurs nowhere in it. */
function dollarQuoted(text: string): string {
  let tag = 'sql';
  while (text.includes(`$${tag}$`)) tag += '_';
  return `$${tag}$${text}$${tag}$`;
}
