import { createHash } from 'node:crypto';
import { DefaultNamingStrategy, NamingStrategyInterface, Table } from 'typeorm';

/** PostgreSQL truncates identifiers longer than this many bytes. */
const MAX_IDENTIFIER_LENGTH = 63;

function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** `prefix_table_columns`, shortened with a stable hash suffix when too long for PostgreSQL. */
function readableName(prefix: string, table: Table | string, columns: string[]): string {
  const tableName = (typeof table === 'string' ? table : table.name).split('.').pop() as string;
  const name = [prefix, tableName, ...columns].join('_');
  if (name.length <= MAX_IDENTIFIER_LENGTH) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER_LENGTH - hash.length - 1)}_${hash}`;
}

/**
 * snake_case columns, and constraint and index names in the project's convention
 * (`pk_`, `fk_`, `uq_`, `ix_`, `chk_`). Every entity in this project names its constraints
 * explicitly, identically to the migration SQL; this strategy matters for what
 * `migration:generate` proposes for a new column or relation, which then reads like
 * hand-written SQL instead of TypeORM's hashed names.
 */
export class FoundationNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]): string {
    return customName ?? snakeCase([...prefixes, propertyName].join('_'));
  }

  override joinColumnName(relationName: string, referencedColumnName: string): string {
    return snakeCase(`${relationName}_${referencedColumnName}`);
  }

  override primaryKeyName(table: Table | string): string {
    return readableName('pk', table, []);
  }

  override uniqueConstraintName(table: Table | string, columns: string[]): string {
    return readableName('uq', table, columns);
  }

  override foreignKeyName(table: Table | string, columns: string[]): string {
    // A tenant-inclusive key (tenant_id, facility_id) is named after what it points at.
    const named = columns.length > 1 ? columns.filter((column) => column !== 'tenant_id') : columns;
    return readableName('fk', table, named);
  }

  override indexName(table: Table | string, columns: string[]): string {
    return readableName('ix', table, columns);
  }

  override checkConstraintName(table: Table | string, expression: string, isEnum?: boolean): string {
    const words = expression.match(/[a-z_]+/gi)?.slice(0, 3) ?? [];
    return readableName(isEnum ? 'chk_enum' : 'chk', table, words.map(snakeCase));
  }
}
