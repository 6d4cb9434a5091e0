export * from './users.js';
export * from './products.js';
export * from './catalog-sync.js';
export * from './customers.js';
export * from './ml.js';
export * from './campaigns.js';
