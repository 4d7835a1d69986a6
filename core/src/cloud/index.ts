// The provider SDKs (Qiniu, Aliyun) load from here, not from the core's main entry, so hosts that
// never talk to a cloud provider (the nginx agent) do not load them.
export * from './aliyun/alidns-client.js';
export * from './aliyun/alidns-solver.js';
export * from './aliyun/index.js';
export * from './qiniu/index.js';
export * from './memory-registry.js';
export * from './factory.js';
