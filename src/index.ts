export * from './interfaces';
export * from './fifo-key';
export * from './secure-fifo-topic';
export * from './secure-fifo-queue';
export * from './fifo-subscription';
export * from './fifo-fanout';
export * from './standard-subscriber';
export * from './messaging-endpoints';
