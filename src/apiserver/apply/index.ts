/**
 * Server-side apply and field ownership for the embedded API server.
 *
 * - `field-set.ts`: sets of field paths and their FieldsV1 encoding; path formatting.
 * - `typed.ts`: schema-aware walks (fields of a value, diff, merge, removal).
 * - `managed-fields.ts`: `metadata.managedFields` decoding/encoding, conflicts, the Update-entry cap.
 * - `apply.ts`: `applyConfiguration` (PATCH with application/apply-patch+yaml) and `recordUpdate`
 *   (create, update and the other patches).
 *
 * Imports only `src/base` and `src/api`; the registry imports this folder through this file.
 */
export { applyConfiguration, recordUpdate, type ApplyOptions, type FieldManagerOptions } from './apply.ts';
export {
  FieldSet,
  fieldElement,
  fieldPath,
  formatFieldPath,
  formatPathElement,
  indexElement,
  keyElement,
  valueElement,
  type FieldPath,
  type KeyField,
  type PathElement,
} from './field-set.ts';
export {
  ManagedFieldsError,
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  equalIgnoringManagedFieldsTimestamps,
  isResetManagedFields,
  managerIdentity,
  type ManagedFieldSets,
  type ManagerFields,
} from './managed-fields.ts';
export {
  TypedValueError,
  diffFields,
  fieldsOf,
  mergeValues,
  objectSchema,
  removeFields,
  type FieldChanges,
} from './typed.ts';
