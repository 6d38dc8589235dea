/**
 * Server-side printing: what kube-apiserver answers to `Accept: application/json;as=Table;v=v1;
 * g=meta.k8s.io` (kubectl get asks for it). Built-in kinds use their printer, custom resources
 * their CRD's printer columns, and every other kind the default table (NAME, CREATED AT).
 */

import type { KubeObject, ListMeta } from '../../api/meta.ts';
import type { ResourceType } from '../../api/resources.ts';
import { BadRequestError } from '../../base/errors.ts';
import { customResourcePrinter } from './custom-resource.ts';
import * as describe from './descriptions.ts';
import { builtinPrinter } from './printers.ts';
import { formatRfc3339 } from './values.ts';
import type { PrinterColumn, Printer, Table, TableApiVersion, TableRow } from './types.ts';

export type {
  PartialObjectMetadata,
  PrinterColumn,
  Table,
  TableApiVersion,
  TableCell,
  TableColumnDefinition,
  TableRow,
  TableRowCondition,
} from './types.ts';

/** The `includeObject` query parameter: what each row carries besides its cells. */
export type IncludeObjectPolicy = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The clock ages are computed against. */
  now: Date;
  includeObject: IncludeObjectPolicy;
  /** The served CRD version's additionalPrinterColumns; read only for custom resources. */
  printerColumns?: PrinterColumn[] | undefined;
  /** The list's resourceVersion, or for a single get the object's. */
  resourceVersion?: string | undefined;
  continue?: string | undefined;
  remainingItemCount?: number | undefined;
  /** The Table version the client accepted; kubectl asks for v1 first. Defaults to v1. */
  apiVersion?: TableApiVersion | undefined;
}

/** The convertor kube-apiserver's registries fall back to (k8s.io/apiserver/pkg/registry/rest/table.go). */
const defaultPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: describe.objectMetaName, priority: 0 },
    {
      name: 'Created At',
      type: 'date',
      format: '',
      description: describe.objectMetaCreationTimestamp,
      priority: 0,
    },
  ],
  row: (object) => ({
    cells: [object.metadata.name ?? '', formatRfc3339(object.metadata.creationTimestamp)],
  }),
};

/**
 * Reads the `includeObject` query parameter as the Table handler does: absent or empty means
 * Metadata; anything but None, Metadata or Object is a BadRequest. (kube-apiserver only notices a
 * bad value once it has a row to fill, so an empty list slips through there; here it never does.)
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObjectPolicy {
  if (value === undefined || value === null || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  throw new BadRequestError(`unrecognized includeObject value: ${JSON.stringify(value)}`);
}

function printerFor(type: ResourceType, printerColumns: PrinterColumn[] | undefined): Printer {
  // Built-in kinds carry the name of their schema; custom resources do not.
  if (type.schemaName === undefined) return customResourcePrinter(printerColumns);
  return builtinPrinter(type.group, type.kind) ?? defaultPrinter;
}

/**
 * The Table for a get (one object) or a list of `type`. Rows always hold every column, priority-1
 * ones included (the server prints wide; kubectl hides them without `-o wide`), and pods that
 * finished carry a `Completed` row condition.
 */
export function toTable(type: ResourceType, objects: KubeObject[], opts: TableOptions): Table {
  const apiVersion = opts.apiVersion ?? 'meta.k8s.io/v1';
  const printer = printerFor(type, opts.printerColumns);
  const rows = objects.map((object): TableRow => {
    const printed = printer.row(object, opts.now);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions !== undefined)
      row.conditions = printed.conditions.map((condition) => ({ ...condition }));
    if (opts.includeObject === 'Object') row.object = object;
    else if (opts.includeObject === 'Metadata')
      row.object = { kind: 'PartialObjectMetadata', apiVersion, metadata: object.metadata };
    return row;
  });
  const metadata: ListMeta = {};
  if (opts.resourceVersion !== undefined && opts.resourceVersion !== '')
    metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue !== undefined && opts.continue !== '') metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion,
    metadata,
    columnDefinitions: printer.columns.map((column) => ({ ...column })),
    rows,
  };
}
