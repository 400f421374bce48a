import { CheckpointExistsError, CheckpointStore } from './checkpoint-store';

/**
 * The few calls of an object store with a write-once lock that checkpoints need. With the AWS
 * SDK (`@aws-sdk/client-s3`, not a dependency of this project) against a bucket created with
 * Object Lock enabled:
 *
 * - putIfAbsent: PutObjectCommand with IfNoneMatch: '*' (no overwrite; S3 answers 412 when the
 *   key exists: return 'exists'), ObjectLockMode: 'COMPLIANCE' and ObjectLockRetainUntilDate:
 *   `retainUntil` (no one, the root account included, can delete or overwrite it before then);
 * - get: GetObjectCommand; list: ListObjectsV2Command with the prefix, following continuation tokens.
 *
 * docs/audit-log.md has the adapter and the bucket settings.
 */
export interface WriteOnceObjectClient {
  putIfAbsent(key: string, body: Buffer, retainUntil: Date): Promise<'created' | 'exists'>;
  get(key: string): Promise<Buffer>;
  list(prefix: string): Promise<string[]>;
}

/** Checkpoints as objects under `prefix`, each locked in compliance mode for `retentionYears` (default 7). */
export class ObjectLockCheckpointStore implements CheckpointStore {
  constructor(
    private readonly client: WriteOnceObjectClient,
    private readonly prefix: string,
    private readonly retentionYears = 7,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get location(): string {
    return `object store ${this.prefix}`;
  }

  async put(name: string, content: Buffer): Promise<void> {
    const retainUntil = this.now();
    retainUntil.setUTCFullYear(retainUntil.getUTCFullYear() + this.retentionYears);
    if ((await this.client.putIfAbsent(this.prefix + name, content, retainUntil)) === 'exists') throw new CheckpointExistsError(this.location, name);
  }

  get(name: string): Promise<Buffer> {
    return this.client.get(this.prefix + name);
  }

  async list(): Promise<string[]> {
    return (await this.client.list(this.prefix)).filter((key) => key.startsWith(this.prefix)).map((key) => key.slice(this.prefix.length));
  }
}
