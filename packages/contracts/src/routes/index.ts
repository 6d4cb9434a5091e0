export * from './audiences.js';
export * from './auth.js';
export * from './catalog-sync.js';
export * from './customers.js';
export * from './health.js';
export * from './ml.js';
export * from './products.js';
export * from './campaigns.js';
