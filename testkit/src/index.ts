export * from './certs.js';
export * from './nginx.js';
export * from './pebble.js';
export * from './ports.js';
export * from './postgres.js';
export * from './receivers.js';
