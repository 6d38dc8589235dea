import { MemoryStorage } from './memory-storage.ts';
import { storageContract } from './storage.contract.ts';

storageContract({ name: 'memory', open: (options) => new MemoryStorage(options) });
