import { SchemaModel } from './schema-model';

/**
 * The schema as "object → description" lines, the unit of comparison: each key names one
 * object the way a reader would look for it ("index clients.ix_clients_full_name_trgm"), each
 * value is everything compared about it.
 */
export function flattenSchema(model: SchemaModel): Map<string, string> {
  const flat = new Map<string, string>();
  const put = (key: string, value: unknown) => flat.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  for (const name of model.extensions) put(`extension ${name}`, 'installed');
  for (const [grantee, privileges] of Object.entries(model.schemaGrants)) put(`grant on schema to ${grantee}`, privileges);
  for (const [name, labels] of Object.entries(model.enums)) put(`enum ${name}`, labels.join(', '));
  for (const [name, definition] of Object.entries(model.domains)) put(`domain ${name}`, definition);
  for (const name of model.sequences) put(`sequence ${name}`, 'exists');
  for (const [key, text] of Object.entries(model.comments)) put(`comment on ${key}`, text);
  for (const [name, table] of Object.entries(model.tables)) {
    put(`table ${name}`, [
      table.kind,
      table.partitionKey ? `partitioned by ${table.partitionKey}` : null,
      `owner ${table.owner}`,
      `row level security ${table.rowLevelSecurity ? 'on' : 'off'}`,
      `forced ${table.forceRowLevelSecurity ? 'on' : 'off'}`,
    ].filter(Boolean).join(', '));
    if (table.comment !== null) put(`comment on table ${name}`, table.comment);
    table.columns.forEach((column, index) => {
      put(`column ${name}.${column.name}`, [
        `position ${index + 1}`,
        column.type,
        column.nullable ? 'NULL' : 'NOT NULL',
        column.default !== null ? `DEFAULT ${column.default}` : null,
        column.identity ? `GENERATED ${column.identity.toUpperCase()} AS IDENTITY` : null,
        column.generated ? `GENERATED (${column.generated})` : null,
      ].filter(Boolean).join(' '));
      if (column.comment !== null) put(`comment on column ${name}.${column.name}`, column.comment);
    });
    for (const [constraint, { definition }] of Object.entries(table.constraints)) put(`constraint ${name}.${constraint}`, definition);
    for (const [index, definition] of Object.entries(table.indexes)) put(`index ${name}.${index}`, definition);
    for (const [trigger, { definition, enabled }] of Object.entries(table.triggers)) {
      put(`trigger ${name}.${trigger}`, `${definition} (${enabled})`);
    }
    for (const [policy, p] of Object.entries(table.policies)) {
      put(`policy ${name}.${policy}`, `${p.permissive} FOR ${p.command} TO ${p.roles.join(', ')}` +
        `${p.using !== null ? ` USING (${p.using})` : ''}${p.withCheck !== null ? ` WITH CHECK (${p.withCheck})` : ''}`);
    }
    for (const [grantee, privileges] of Object.entries(table.grants)) put(`grant on table ${name} to ${grantee}`, privileges);
    for (const [key, privileges] of Object.entries(table.columnGrants)) {
      const [column, grantee] = key.split(' ');
      put(`grant on column ${name}.${column} to ${grantee}`, privileges);
    }
  }
  for (const [name, view] of Object.entries(model.views)) {
    put(`${view.kind} ${name}`, `owner ${view.owner}\n${view.definition.join('\n')}`);
    if (view.comment !== null) put(`comment on view ${name}`, view.comment);
    for (const [grantee, privileges] of Object.entries(view.grants)) put(`grant on view ${name} to ${grantee}`, privileges);
  }
  for (const [signature, fn] of Object.entries(model.functions)) {
    put(`function ${signature}`, `owner ${fn.owner}, ${fn.securityDefiner ? 'SECURITY DEFINER' : 'security invoker'}`);
    put(`function body ${signature}`, fn.definition.join('\n'));
    for (const [grantee, privileges] of Object.entries(fn.grants)) put(`grant on function ${signature} to ${grantee}`, privileges);
  }
  return flat;
}

export interface SchemaDifference {
  object: string;
  left: string | undefined;
  right: string | undefined;
}

/** Objects that one side has and the other lacks, or describes differently, in name order. */
export function diffSchemas(left: SchemaModel, right: SchemaModel): SchemaDifference[] {
  const a = flattenSchema(left);
  const b = flattenSchema(right);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((key) => a.get(key) !== b.get(key))
    .map((object) => ({ object, left: a.get(object), right: b.get(object) }));
}

/** A readable report: for each object, which side has it, or what each side says. */
export function formatDifferences(differences: SchemaDifference[], leftLabel: string, rightLabel: string): string {
  const width = Math.max(leftLabel.length, rightLabel.length) + 1;
  const show = (label: string, value: string) =>
    `    ${`${label}:`.padEnd(width)} ${value.split('\n').join(`\n    ${' '.repeat(width)} `)}`;
  return differences
    .map(({ object, left, right }) => {
      if (right === undefined) return `  ${object}\n${show(`only in ${leftLabel}`, left!)}`;
      if (left === undefined) return `  ${object}\n${show(`only in ${rightLabel}`, right)}`;
      return `  ${object}\n${show(leftLabel, left)}\n${show(rightLabel, right)}`;
    })
    .join('\n');
}
