import { CreateDateColumn, DeleteDateColumn, UpdateDateColumn } from 'typeorm';

/**
 * created_at / updated_at / deleted_at, as every table has them. `type: 'timestamptz'` must be
 * explicit: without it TypeORM's diff wants to drop and re-add the columns. updated_at is also
 * kept by the `set_updated_at()` trigger, so writes that bypass TypeORM keep it right too.
 * deleted_at makes TypeORM's find methods skip soft-deleted rows.
 */
export abstract class TimestampedEntity {
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', comment: 'When the row was created.' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', comment: 'When the row was last updated; kept by trigger.' })
  updatedAt: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', comment: 'When the row was soft-deleted; NULL while live.' })
  deletedAt: Date | null;
}
