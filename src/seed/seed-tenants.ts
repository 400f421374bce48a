import { seedId } from './seed-id';

export interface SeedTenant {
  id: string;
  slug: string;
  name: string;
}

/** The development tenants: two, so that tenant isolation can be seen at work. */
export const SEED_TENANTS: SeedTenant[] = [
  { slug: 'acme-care', name: 'Acme Care' },
  { slug: 'birch-homes', name: 'Birch Homes' },
].map((tenant) => ({ ...tenant, id: seedId(`tenant:${tenant.slug}`) }));
