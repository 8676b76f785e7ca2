/** Helpers for the tests of every package: TLS material made by the test itself, and the shared vectors. */
export { makeCertificates } from './certificates.js';
export type { TestCertificates } from './certificates.js';
export { repoRoot, vectorPath, readVector, readVectorHex } from './vectors.js';
export { postgresBinDir, startPostgres } from './postgres.js';
export type { PostgresCluster, StartPostgresOptions } from './postgres.js';
