import { IsOptional, Matches } from 'class-validator';
import { POSTAL_CODE_PATTERN } from '../entities/validation/patterns';
import { HasTrimmedLength } from '../entities/validation/text-rules';
import { checkedUuid } from './field-ref';
import { camelCase, encryptedProperty, PHI_FIELDS, PhiTable } from './fields';
import { TenantCipher } from './tenant-cipher';
import { assertValidInput } from './validate-input';

type Plain = string | null | undefined;

/**
 * Encrypts the given PHI fields of row `rowId` of `table` (camelCase names, as in the table's
 * list in PHI_FIELDS) into the entity's ciphertext properties: `{ careNeeds: '...' }` becomes
 * `{ careNeedsEncrypted: <Buffer> }`; null stays null; a field not given is left out. A name
 * that is no encrypted field of the table is refused.
 */
export async function sealFields(cipher: TenantCipher, table: PhiTable, rowId: string, values: Record<string, Plain>): Promise<Record<string, Buffer | null>> {
  const id = checkedUuid(rowId, 'row id');
  const columns = new Map<string, string>(PHI_FIELDS[table].map((column) => [camelCase(column), column]));
  const sealed: Record<string, Buffer | null> = {};
  for (const [property, value] of Object.entries(values)) {
    const column = columns.get(property);
    if (!column) throw new TypeError(`${property} is not an encrypted field of ${table}`);
    if (value === undefined) continue;
    sealed[encryptedProperty(column)] = await cipher.encryptOptional({ table, column }, id, value);
  }
  return sealed;
}

/**
 * Decrypts every encrypted field of `table` that `row` carries (its `*Encrypted` properties),
 * returning camelCase plaintexts; PhiDecryptionError names the first that does not belong here.
 */
export async function openFields(cipher: TenantCipher, table: PhiTable, row: { id: string }): Promise<Record<string, string | null>> {
  const values = row as unknown as Record<string, unknown>;
  const opened: Record<string, string | null> = {};
  for (const column of PHI_FIELDS[table]) {
    const property = encryptedProperty(column);
    if (!(property in values)) continue;
    opened[camelCase(column)] = await cipher.decryptOptional({ table, column }, row.id, values[property] as Buffer | null);
  }
  return opened;
}

/** Plaintext of a placement record's clinical fields: free text, 1 to 4,000 characters each. */
export class PlacementRecordPhi {
  @IsOptional()
  @HasTrimmedLength(1, 4000)
  diagnoses?: string | null;

  @IsOptional()
  @HasTrimmedLength(1, 4000)
  careNeeds?: string | null;

  @IsOptional()
  @HasTrimmedLength(1, 4000)
  preferences?: string | null;

  @IsOptional()
  @HasTrimmedLength(1, 4000)
  fundingDetails?: string | null;
}

/** Plaintext of a medication's encrypted fields. */
export class MedicationPhi {
  @HasTrimmedLength(1, 200)
  drugName: string;

  @HasTrimmedLength(1, 100)
  dose: string;

  @HasTrimmedLength(1, 200)
  frequency: string;

  @IsOptional()
  @HasTrimmedLength(1, 2000)
  instructions?: string | null;

  @IsOptional()
  @HasTrimmedLength(1, 200)
  prescriberName?: string | null;
}

/** Plaintext of an address's encrypted fields (the facilities table's own address rules). */
export class AddressPhi {
  @HasTrimmedLength(1, 200)
  line1: string;

  @IsOptional()
  @HasTrimmedLength(1, 200)
  line2?: string | null;

  @HasTrimmedLength(1, 100)
  city: string;

  @IsOptional()
  @Matches(POSTAL_CODE_PATTERN, { message: 'postalCode must be 2 to 12 letters, digits, spaces or hyphens' })
  postalCode?: string | null;
}

const VALIDATORS = { placement_records: PlacementRecordPhi, medications: MedicationPhi, addresses: AddressPhi } as const;
type ValidatedTable = keyof typeof VALIDATORS;

/**
 * Checks `values` with the table's plaintext rules, then seals them (sealFields). For
 * placement_records, medications and addresses.
 */
export async function sealRecordFields<T extends ValidatedTable>(
  cipher: TenantCipher,
  table: T,
  rowId: string,
  values: InstanceType<(typeof VALIDATORS)[T]>,
): Promise<Record<string, Buffer | null>> {
  await assertValidInput(Object.assign(new VALIDATORS[table](), values), table);
  return sealFields(cipher, table, rowId, values as unknown as Record<string, Plain>);
}
