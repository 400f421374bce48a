import { IsUUID } from 'class-validator';
import { JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from '../tenant.entity';
import { TimestampedEntity } from './timestamped.entity';

/**
 * A row that belongs to one tenant. The primary key is (tenant_id, id), so the schema can be
 * distributed by tenant (Citus wants the distribution column in every key), and references
 * between tenant-scoped tables can include tenant_id and point at the key itself: the database
 * then rejects a row that points at another tenant's row.
 *
 * Constraint names (pk_<table>, fk_<table>_tenant_id) come from FoundationNamingStrategy and
 * equal the names in the migrations.
 */
export abstract class TenantScopedEntity extends TimestampedEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id', comment: 'Tenant that owns the row.' })
  @IsUUID()
  tenantId: string;

  @PrimaryGeneratedColumn('uuid', { comment: 'Primary key within the tenant.' })
  id: string;

  @ManyToOne(() => Tenant, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;
}
