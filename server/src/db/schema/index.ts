export * from './users.js';
export * from './products.js';
