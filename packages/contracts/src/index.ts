export * from './common.js';
export * from './currencies.js';
export * from './auth.js';
export * from './products.js';
export * from './catalog-sync.js';
export * from './customers.js';
export * from './ml.js';
