export type { AuditEvent, RecordedAuditEvent } from './audit-event';
export { InvalidAuditEventError } from './audit-event';
export type { PartitionOutcome } from './audit-partitions';
export { dropExpiredAuditPartitions, ensureAuditPartitions } from './audit-partitions';
export { recordAuditEvent } from './record-audit-event';
export type { AuditChainVerdict } from './verify-audit-chain';
export { listAuditLogTenants, verifyAuditChain } from './verify-audit-chain';
