/**
 * The part of the Reflect Metadata API that tsyringe needs before it will load.
 *
 * @peculiar/x509 finds its algorithm providers through tsyringe, and tsyringe throws at import time
 * unless `Reflect.getMetadata` exists (the `reflect-metadata` package, which we do not depend on,
 * normally provides it). x509 only uses `@injectable()` without parameter decorators, so
 * tsyringe reads and writes metadata but never relies on emitted `design:*` types; this small
 * WeakMap store is all it needs. Installed only when nothing else provides the API, and replaced
 * harmlessly if `reflect-metadata` is loaded later.
 */

type MetadataKey = unknown;
type PropertyKey = string | symbol | undefined;

interface MetadataReflect {
  getMetadata?: (key: MetadataKey, target: object, property?: PropertyKey) => unknown;
  getOwnMetadata?: (key: MetadataKey, target: object, property?: PropertyKey) => unknown;
  defineMetadata?: (key: MetadataKey, value: unknown, target: object, property?: PropertyKey) => void;
  hasMetadata?: (key: MetadataKey, target: object, property?: PropertyKey) => boolean;
  hasOwnMetadata?: (key: MetadataKey, target: object, property?: PropertyKey) => boolean;
}

export function installReflectMetadata(): void {
  const reflect = Reflect as unknown as MetadataReflect;
  if (typeof reflect.getMetadata === 'function') return;

  const store = new WeakMap<object, Map<PropertyKey, Map<MetadataKey, unknown>>>();
  const own = (
    target: object,
    property: PropertyKey,
    create: boolean,
  ): Map<MetadataKey, unknown> | undefined => {
    let byProperty = store.get(target);
    if (!byProperty) {
      if (!create) return undefined;
      byProperty = new Map();
      store.set(target, byProperty);
    }
    let entries = byProperty.get(property);
    if (!entries && create) {
      entries = new Map();
      byProperty.set(property, entries);
    }
    return entries;
  };
  const find = (
    key: MetadataKey,
    target: object,
    property: PropertyKey,
  ): Map<MetadataKey, unknown> | undefined => {
    for (
      let current: object | null = target;
      current !== null;
      current = Object.getPrototypeOf(current) as object | null
    ) {
      const entries = own(current, property, false);
      if (entries?.has(key)) return entries;
    }
    return undefined;
  };

  const api: Required<MetadataReflect> = {
    getMetadata: (key, target, property) => find(key, target, property)?.get(key),
    getOwnMetadata: (key, target, property) => own(target, property, false)?.get(key),
    defineMetadata: (key, value, target, property) => {
      own(target, property, true)?.set(key, value);
    },
    hasMetadata: (key, target, property) => find(key, target, property) !== undefined,
    hasOwnMetadata: (key, target, property) => own(target, property, false)?.has(key) ?? false,
  };
  for (const [name, value] of Object.entries(api)) {
    Object.defineProperty(Reflect, name, { value, configurable: true, writable: true, enumerable: false });
  }
}
