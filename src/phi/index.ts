/**
 * Field-level encryption of PHI (docs/encryption.md): the API the application service uses,
 * and the key operations the commands run. Everything here works with the `manager` that
 * `withTenant` gives (application side) or as the key store's owner (key commands).
 */
export { PhiKeyring } from './keyring';
export type { PhiKeyringOptions, Query, StoredDataKey } from './keyring';
export { phiKeyringFromEnvironment } from './configure';
export { TenantCipher, associatedDataOf } from './tenant-cipher';
export type { FieldRef } from './field-ref';
export { PHI_FIELDS, PHI_TABLES, BLIND_INDEXES, NAME_TOKENS, encryptedColumn, encryptedProperty } from './fields';
export type { PhiTable, BlindIndexSpec } from './fields';
export {
  ClientIdentity,
  findClientsByDateOfBirth,
  findClientsByMedicalRecordNumber,
  MAX_SEARCH_QUERY_LENGTH,
  openClientIdentity,
  sealClientIdentity,
  searchClients,
} from './clients';
export type { ClientIdentityValues, ClientSearchHit, SealedClientIdentity } from './clients';
export { AddressPhi, MedicationPhi, openFields, PlacementRecordPhi, sealFields, sealRecordFields } from './records';
export { normaliseName, trigramsOf } from './name-search';
export { PhiConfigurationError, PhiDecryptionError, PhiError, PhiInputError, PhiKeyUnavailableError } from './errors';
export type { KeyEvent, KeyEventSink } from './key-events';
export { ignoreKeyEvents } from './key-events';
export { recordKeyEventsIn, systemKeyEventOf } from './record-key-events';
export type { KeyEncryptionKeyProvider, WrapRequest } from './kek/provider';
export { KekUnavailableError, wrapContext } from './kek/provider';
export { LocalKeyEncryptionKeyProvider } from './kek/local-provider';
export { keyEncryptionKeyProviderFromEnvironment, KEK_MODULE_VARIABLE, LOCAL_KEK_FOLDER_VARIABLE } from './kek/configure';
export { rotateTenantKey, countOldValues, RotationInProgressError } from './keys/rotation';
export type { RotationOptions, RotationProgress, RotationReport } from './keys/rotation';
export { shredTenant } from './keys/shredding';
export type { ShredReport } from './keys/shredding';
export { backfillClientIdentity } from './keys/backfill';
export type { BackfillOptions, BackfillReport } from './keys/backfill';
export { inTenantAsOwner, listTenants } from './keys/owner-session';
